import { escapeControlCharacters, hasControlCharacters } from './control-characters.ts'

/** Lines Vitest shows before and after the line of an error (its `generateCodeFrame` range). */
const contextLines = 2

/**
 * The code frame Vitest would print for `line:column` of `source`, with control characters shown
 * as escapes and the caret under the escaped column; undefined when those lines hold none, so
 * Vitest prints its own (highlighted) frame. Vitest reads the frame's lines from the file itself,
 * raw: a file with an ESC or a bidi override near its error would write them to the terminal.
 */
export function escapedCodeFrame(source: string, line: number, column: number): string | undefined {
  const lines = source.split(/\r?\n/)
  const first = Math.max(1, line - contextLines)
  const last = Math.min(lines.length, line + contextLines)
  const window = lines.slice(first - 1, last)
  if (!window.some((text) => hasControlCharacters(text))) return undefined
  const width = String(last).length
  const shown = (text: string) => escapeControlCharacters(text, { singleLine: true })
  const frame: string[] = []
  window.forEach((text, i) => {
    const number = first + i
    frame.push(`${String(number).padStart(width)}| ${shown(text)}`)
    if (number === line) frame.push(`${' '.repeat(width)}| ${' '.repeat(shown(text.slice(0, Math.max(0, column - 1))).length)}^`)
  })
  return frame.join('\n')
}
