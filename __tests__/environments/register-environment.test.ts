import { describe, expect, it } from '@jest/globals'
import { metadataChanged } from '../../src/environments/register-environment.js'

describe('metadataChanged (a 200 re-PUT: description/tags updated vs reused unchanged)', () => {
  it('compares only the fields the YAML gives, tags in any order', () => {
    expect(metadataChanged(undefined, { description: 'x' })).toBe(false)
    expect(metadataChanged({ description: 'a' }, {})).toBe(false)
    expect(metadataChanged({ description: 'a' }, { description: 'a' })).toBe(false)
    expect(metadataChanged({ description: 'a' }, { description: 'b' })).toBe(true)
    expect(metadataChanged({ description: null }, { description: 'b' })).toBe(true)
    expect(metadataChanged({ tags: { a: '1', b: '2' } }, { tags: { b: '2', a: '1' } })).toBe(false)
    expect(metadataChanged({ tags: { a: '1' } }, { tags: { a: '2' } })).toBe(true)
    expect(metadataChanged({ tags: { a: '1', b: '2' } }, { tags: { a: '1' } })).toBe(true)
    expect(metadataChanged({}, { tags: { a: '1' } })).toBe(true)
  })
})
