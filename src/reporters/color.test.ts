import { describe, expect, it } from 'vitest'
import { shouldUseColor } from './color.ts'

describe('shouldUseColor', () => {
  it('follows the TTY by default', () => {
    expect(shouldUseColor({ env: {}, isTTY: true })).toBe(true)
    expect(shouldUseColor({ env: {}, isTTY: false })).toBe(false)
  })

  it('turns colour off with a non-empty NO_COLOR', () => {
    expect(shouldUseColor({ env: { NO_COLOR: '1' }, isTTY: true })).toBe(false)
    expect(shouldUseColor({ env: { NO_COLOR: '' }, isTTY: true })).toBe(true)
  })

  it('lets FORCE_COLOR win both ways', () => {
    expect(shouldUseColor({ env: { FORCE_COLOR: '1', NO_COLOR: '1' }, isTTY: false })).toBe(true)
    expect(shouldUseColor({ env: { FORCE_COLOR: '' }, isTTY: false })).toBe(true)
    expect(shouldUseColor({ env: { FORCE_COLOR: '0' }, isTTY: true })).toBe(false)
    expect(shouldUseColor({ env: { FORCE_COLOR: 'false' }, isTTY: true })).toBe(false)
  })
})
