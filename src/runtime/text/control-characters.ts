/**
 * Characters that change what a terminal, an editor or a browser shows without being text
 * themselves: C0 controls (ESC starts colour codes, OSC 8 links and screen clears; a lone `\r`
 * overwrites the line), DEL, C1 controls (U+009B is a one-byte CSI), the bidirectional overrides
 * and isolates (U+202A-U+202E, U+2066-U+2069) and the Unicode line and paragraph separators.
 */
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const controlCharactersAndLineBreaks = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const visible = (char: string): string => {
  const code = char.charCodeAt(0)
  if (char === '\n') return '\\n'
  if (char === '\r') return '\\r'
  if (char === '\t') return '\\t'
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * Text from a scenario, a file name or a config as it may be printed: every control character
 * becomes a visible escape (`\x1b`, `\r`, `\u202e`). Tabs and line breaks are kept unless
 * `singleLine` is set, which turns them into `\t`, `\n` and `\r` as well.
 */
export function escapeControlCharacters(text: string, options: { singleLine?: boolean } = {}): string {
  const pattern = options.singleLine ? controlCharactersAndLineBreaks : controlCharacters
  // A `\r` not followed by `\n` moves the cursor back over what was written: always escaped.
  const escaped = text.replace(pattern, visible)
  return options.singleLine ? escaped : escaped.replace(/\r(?!\n)/g, '\\r')
}

/** Whether the text holds a character `escapeControlCharacters` would escape on one line. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(controlCharactersAndLineBreaks.source).test(text)
}
