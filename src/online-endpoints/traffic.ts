/**
 * Traffic of an online endpoint: the share (percent) of requests each deployment takes. Azure keeps it as the
 * endpoint's `properties.traffic` (mfe.json `OnlineEndpoint.traffic`), shares that add up to 100, or 0 when nothing
 * takes traffic yet. Input form: `blue=90,green=10` (commas or new lines), as `az ml online-endpoint update --traffic`.
 */
import { InputError } from '../base/errors.js'

export type Traffic = Record<string, number>

const DEPLOYMENT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{2,31}$/

/** Parses `blue=90,green=10`; every share a whole number 0-100, each deployment once, the sum 100 or 0. */
export function parseTraffic(input: string, text: string): Traffic {
  const traffic: Traffic = {}
  const parts = text
    .split(/[,\n]/)
    .map(p => p.trim())
    .filter(Boolean)
  if (parts.length === 0) throw new InputError(input, 'expected deployment=percent pairs, e.g. blue=90,green=10.')
  for (const part of parts) {
    const m = /^([^=\s]+)\s*=\s*(\d{1,3})$/.exec(part)
    if (!m) throw new InputError(input, `expected deployment=percent (e.g. green=10), got '${part}'.`)
    const [, name, share] = m
    if (!DEPLOYMENT_NAME.test(name)) {
      throw new InputError(
        input,
        `'${name}' is not a deployment name (3-32 letters, digits or -, starting with a letter).`
      )
    }
    if (name in traffic) throw new InputError(input, `deployment ${name} is given twice.`)
    const n = Number(share)
    if (n > 100) throw new InputError(input, `the share of ${name} is ${n}: at most 100.`)
    traffic[name] = n
  }
  const total = Object.values(traffic).reduce((a, b) => a + b, 0)
  if (total !== 100 && total !== 0) {
    throw new InputError(input, `the shares add up to ${total}: they must add up to 100 (or all be 0).`)
  }
  return traffic
}

/** `blue=90, green=10`, for log lines and the summary. */
export function formatTraffic(traffic: Traffic): string {
  const entries = Object.entries(traffic)
  return entries.length === 0 ? '(none)' : entries.map(([d, n]) => `${d}=${n}`).join(', ')
}

/**
 * The endpoint's traffic after giving `deployment` `share` percent (create-deployment's `traffic: 20`): the other
 * deployments share the rest in proportion to what they had, by largest remainder so the total stays 100. Returns an
 * error text when that is impossible: no other deployment takes traffic and `share` is neither 0 nor 100.
 */
export function withShare(current: Traffic, deployment: string, share: number): Traffic | string {
  const others = Object.entries(current).filter(([d]) => d !== deployment)
  const othersTotal = others.reduce((a, [, n]) => a + n, 0)
  const rest = 100 - share
  if (othersTotal === 0 && share !== 100 && share !== 0) {
    return `no other deployment takes traffic, so ${deployment} can take only 100 (or 0), not ${share}`
  }
  const next: Traffic = {}
  if (othersTotal === 0) {
    for (const [d] of others) next[d] = 0
  } else {
    const exact = others.map(([d, n]) => ({ d, x: (n / othersTotal) * rest }))
    for (const { d, x } of exact) next[d] = Math.floor(x)
    let left = rest - exact.reduce((a, { d }) => a + next[d], 0)
    for (const { d } of [...exact].sort((a, b) => (b.x % 1) - (a.x % 1))) {
      if (left <= 0) break
      next[d]++
      left--
    }
  }
  next[deployment] = share
  return next
}
