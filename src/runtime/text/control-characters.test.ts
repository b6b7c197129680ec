import { describe, expect, test } from 'vitest'
import { escapeControlCharacters, escapeControlCharactersDeep, hasControlCharacters, printableLine } from './control-characters.ts'

describe('escapeControlCharacters', () => {
  test.each([
    ['ESC (colour, screen clear)', 'get_record\u001b[2J', 'get_record\\x1b[2J'],
    ['OSC 8 link', '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007', '\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07'],
    ['a lone carriage return', 'ok\rFAIL', 'ok\\rFAIL'],
    ['bidi override and isolate', 'abc\u202edef\u2066x\u2069', 'abc\\u202edef\\u2066x\\u2069'],
    ['C1 CSI and DEL', 'a\u009b2Jb\u007f', 'a\\x9b2Jb\\x7f'],
    ['NUL and backspace', 'a\u0000b\u0008', 'a\\x00b\\x08'],
    ['line and paragraph separators', 'a\u2028b\u2029', 'a\\u2028b\\u2029'],
  ])('shows %s as an escape', (_what, text, shown) => {
    expect(escapeControlCharacters(text)).toBe(shown)
    expect(hasControlCharacters(escapeControlCharacters(text))).toBe(false)
  })

  test('keeps tabs, line feeds and CRLF in multi-line text; singleLine escapes them too', () => {
    expect(escapeControlCharacters('a\tb\nc\r\nd')).toBe('a\tb\nc\r\nd')
    expect(escapeControlCharacters('a\tb\nc\r\nd', { singleLine: true })).toBe('a\\tb\\nc\\r\\nd')
  })

  test('leaves ordinary text, accents, CJK and emoji alone', () => {
    const text = 'Café 订单-中文 emoji-🚀 | <b>'
    expect(escapeControlCharacters(text, { singleLine: true })).toBe(text)
    expect(hasControlCharacters(text)).toBe(false)
  })
})

describe('escapeControlCharactersDeep', () => {
  test('escapes every string of a report-like value, keys included, and copies the rest', () => {
    const input = {
      seed: 42,
      ok: true,
      none: null,
      strategies: { 'B\u001b[2J': { tasks: [{ id: 'a\rb', scenario: 'x\u202ey', calls: [1, 2] }] } },
    }
    const escaped = escapeControlCharactersDeep(input)
    expect(escaped).toEqual({
      seed: 42,
      ok: true,
      none: null,
      strategies: { 'B\\x1b[2J': { tasks: [{ id: 'a\\rb', scenario: 'x\\u202ey', calls: [1, 2] }] } },
    })
    expect(input.strategies['B\u001b[2J'].tasks[0]!.id).toBe('a\rb')
  })

  test('keeps a key named __proto__ as an own key, never as the prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "a\\u001b"}, "constructor": "c"}') as Record<string, unknown>
    const escaped = escapeControlCharactersDeep(input)
    expect(Object.keys(escaped)).toEqual(['__proto__', 'constructor'])
    expect(Object.getPrototypeOf(escaped)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(escaped, '__proto__')?.value).toEqual({ polluted: 'a\\x1b' })
  })

  test('printableLine puts a name on one line', () => {
    expect(printableLine('a\nb\u001b')).toBe('a\\nb\\x1b')
  })
})
