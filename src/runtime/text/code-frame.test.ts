import { describe, expect, test } from 'vitest'
import { escapedCodeFrame } from './code-frame.ts'
import { hasControlCharacters } from './control-characters.ts'

describe('escapedCodeFrame', () => {
  test('shows the lines around the error escaped, the caret under the escaped column', () => {
    const source = ['# a comment', 'workflow:', '  - tool: get_record\u001b[2J\u202eX', '    with: {}', '', 'faults: []'].join('\n')
    const frame = escapedCodeFrame(source, 3, 11)!
    expect(frame.split('\n')).toEqual([
      '1| # a comment',
      '2| workflow:',
      '3|   - tool: get_record\\x1b[2J\\u202eX',
      ' |           ^',
      '4|     with: {}',
      '5| ',
    ])
    expect(hasControlCharacters(frame.replaceAll('\n', ''))).toBe(false)
    // A caret after an escape moves with it.
    expect(escapedCodeFrame('a: "x"\nb\u001b: 1\n', 2, 4)!.split('\n')[2]).toBe(' |       ^')
  })

  test('leaves the frame to Vitest when the lines around the error hold no control character', () => {
    const source = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6 \u001b[2J'].join('\n')
    expect(escapedCodeFrame(source, 2, 1)).toBeUndefined()
    expect(escapedCodeFrame(source, 4, 1)).toBeDefined()
  })
})
