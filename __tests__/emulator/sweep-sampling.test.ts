/**
 * The sweep's pure pieces (emulator/resources/sweep-process.ts): sampling (grid order, seeded random, the ranges of
 * each distribution), `${{search_space.x}}` substitution, the PUT's checks, and each early-termination policy.
 */
import { describe, expect, it } from '@jest/globals'
import {
  checkSweepJob,
  sampleOne,
  sampler,
  seededRandom,
  substituteSearchSpace,
  terminates
} from '../../emulator/resources/sweep-process.js'

describe('sweep sampling', () => {
  it('enumerates a grid, the first parameter varying slowest', () => {
    const s = sampler({ samplingAlgorithmType: 'Grid' }, { a: ['choice', [[1, 2]]], b: ['choice', [['x', 'y', 'z']]] })
    expect(s.size).toBe(6)
    const all = Array.from({ length: 7 }, () => s.next())
    expect(all.slice(0, 3)).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' }
    ])
    expect(all[5]).toEqual({ a: 2, b: 'z' })
    expect(all[6]).toBeUndefined()
  })

  it('samples the same values from the same seed, different ones from another', () => {
    const space = { lr: ['uniform', [0, 1]], n: ['randint', [1000]] }
    const take = (seed: number): unknown[] => {
      const s = sampler({ samplingAlgorithmType: 'Random', seed }, space)
      return [s.next(), s.next(), s.next()]
    }
    expect(take(7)).toEqual(take(7))
    expect(take(7)).not.toEqual(take(8))
  })

  it('keeps each distribution in its range and quantizes the q forms', () => {
    const rand = seededRandom(3)
    for (let i = 0; i < 200; i++) {
      const r = sampleOne(['randint', [5]], rand) as number
      expect(Number.isInteger(r) && r >= 0 && r < 5).toBe(true)
      const lu = sampleOne(['loguniform', [-3, 0]], rand) as number
      expect(lu).toBeGreaterThanOrEqual(Math.exp(-3))
      expect(lu).toBeLessThanOrEqual(1)
      const q = sampleOne(['quniform', [0, 10, 2]], rand) as number
      expect(q % 2).toBe(0)
      expect(sampleOne(['lognormal', [0, 1]], rand) as number).toBeGreaterThan(0)
      expect(['a', 'b']).toContain(sampleOne(['choice', [['a', 'b']]], rand))
    }
  })

  it('substitutes search-space values and leaves unknown ones', () => {
    expect(
      substituteSearchSpace('t --lr ${{search_space.lr}} --k ${{ search_space.k }} ${{search_space.z}}', {
        lr: 0.1,
        k: 'rbf'
      })
    ).toBe('t --lr 0.1 --k rbf ${{search_space.z}}')
  })

  it('refuses what HyperDrive refuses: bayesian is fine, an unknown distribution and a missing maxTotalTrials are not', () => {
    const base = {
      samplingAlgorithm: { samplingAlgorithmType: 'Bayesian' },
      searchSpace: { lr: ['uniform', [0, 1]] },
      objective: { goal: 'Maximize', primaryMetric: 'acc' },
      trial: { command: 'echo ${{search_space.lr}}' },
      limits: { maxTotalTrials: 2 }
    }
    expect(checkSweepJob(base)).toBeUndefined()
    expect(checkSweepJob({ ...base, searchSpace: { lr: ['beta', [0, 1]] } })).toContain("unknown distribution 'beta'")
    expect(checkSweepJob({ ...base, limits: {} })).toContain('maxTotalTrials is required')
    expect(checkSweepJob({ ...base, earlyTermination: { policyType: 'Bandit' } })).toContain(
      'slackFactor or slackAmount'
    )
  })
})

describe('early termination', () => {
  const series = (o: Record<string, number[]>): Map<string, number[]> => new Map(Object.entries(o))

  it('Bandit: cancels outside the slack factor or amount, for maximize and minimize', () => {
    const bandit = { policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 1, delayEvaluation: 0 }
    expect(terminates(bandit, true, 'b', series({ a: [0.9], b: [0.8] }))).toBe(true) // 0.8 < 0.9 / 1.1
    expect(terminates(bandit, true, 'b', series({ a: [0.9], b: [0.85] }))).toBe(false)
    expect(terminates(bandit, false, 'b', series({ a: [1.0], b: [1.2] }))).toBe(true) // 1.2 > 1.0 * 1.1
    const amount = { policyType: 'Bandit', slackAmount: 0.2 }
    expect(terminates(amount, true, 'b', series({ a: [0.9], b: [0.6] }))).toBe(true)
    expect(terminates(amount, true, 'b', series({ a: [0.9], b: [0.75] }))).toBe(false)
  })

  it('applies only after delayEvaluation and at evaluationInterval', () => {
    const p = { policyType: 'Bandit', slackFactor: 0.1, evaluationInterval: 2, delayEvaluation: 2 }
    expect(terminates(p, true, 'b', series({ a: [0.9, 0.9, 0.9, 0.9], b: [0.1, 0.1] }))).toBe(false) // k=2 ≤ delay
    expect(terminates(p, true, 'b', series({ a: [0.9, 0.9, 0.9, 0.9], b: [0.1, 0.1, 0.1] }))).toBe(false) // k=3 odd
    expect(terminates(p, true, 'b', series({ a: [0.9, 0.9, 0.9, 0.9], b: [0.1, 0.1, 0.1, 0.1] }))).toBe(true)
  })

  it('MedianStopping: cancels when the best so far is worse than the median of running averages', () => {
    const p = { policyType: 'MedianStopping' }
    expect(terminates(p, true, 'c', series({ a: [0.5, 0.7], b: [0.6, 0.8], c: [0.4, 0.5] }))).toBe(true)
    expect(terminates(p, true, 'c', series({ a: [0.5, 0.7], b: [0.6, 0.8], c: [0.4, 0.9] }))).toBe(false)
    expect(terminates(p, true, 'c', series({ c: [0.1] }))).toBe(false) // nobody to compare with
  })

  it('TruncationSelection: cancels the lowest percentage at the interval', () => {
    const p = { policyType: 'TruncationSelection', truncationPercentage: 50 }
    const s = series({ a: [0.9], b: [0.8], c: [0.2], d: [0.1] })
    expect(terminates(p, true, 'c', s)).toBe(true)
    expect(terminates(p, true, 'b', s)).toBe(false)
    expect(terminates(p, false, 'a', s)).toBe(true) // minimize: the largest are the worst
  })
})
