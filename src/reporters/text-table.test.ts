import { Chalk } from 'chalk'
import { describe, expect, it } from 'vitest'
import { alignColumns, sideBySide, wrapItems } from './text-table.ts'

describe('alignColumns', () => {
  it('left-aligns the first columns and right-aligns the rest, measuring without colour codes', () => {
    const red = new Chalk({ level: 1 }).red
    const lines = alignColumns([
      ['a', red('1'), 'x'],
      ['long', '100', ''],
    ])
    expect(lines).toEqual(['a       ' + red('1') + '  x', 'long  100'])
  })
})

describe('sideBySide', () => {
  const block = (name: string, width: number) => [name.padEnd(width, '.'), name]

  it('puts blocks next to each other while they fit, and starts a new row when not', () => {
    expect(sideBySide([block('a', 10), block('b', 10), block('c', 10)], 24)).toEqual(['a.........    b.........', 'a             b', '', 'c.........', 'c'])
  })

  it('keeps a single block that is wider than the limit', () => {
    expect(sideBySide([block('a', 30)], 10)).toEqual(['a' + '.'.repeat(29), 'a'])
  })
})

describe('wrapItems', () => {
  it('breaks between items, never inside one', () => {
    expect(wrapItems(['alpha', 'beta', 'gamma'], 16)).toEqual(['  alpha   beta', '  gamma'])
  })
})
