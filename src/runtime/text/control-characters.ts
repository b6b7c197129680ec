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

/**
 * A name (a task id, a scenario or file name) as Vitest and AWRR print it on one line: the test
 * names AWRR gives Vitest, and what the main process matches them against, use this form.
 */
export function printableLine(text: string): string {
  return escapeControlCharacters(text, { singleLine: true })
}

/** Whether the text holds a character `escapeControlCharacters` would escape on one line. */
export function hasControlCharacters(text: string): boolean {
  return new RegExp(controlCharactersAndLineBreaks.source).test(text)
}

/**
 * A copy of a JSON-like value (a report, a summary) with every string in it, object keys included,
 * passed through `escapeControlCharacters` on one line: what every text renderer starts from, so a
 * task id or a file name cannot reach a terminal or a document raw, whichever field it sits in.
 * Escaping is deterministic, so names that matched before still match each other.
 */
export function escapeControlCharactersDeep<T>(value: T): T {
  return escapeValue(value) as T
}

function escapeValue(value: unknown): unknown {
  if (typeof value === 'string') return escapeControlCharacters(value, { singleLine: true })
  if (Array.isArray(value)) return value.map(escapeValue)
  if (value === null || typeof value !== 'object') return value
  const copy: Record<string, unknown> = {}
  for (const [key, entry] of Object.entries(value)) {
    // defineProperty: a key `__proto__` (a task id can be anything) stays an own key of the copy.
    Object.defineProperty(copy, escapeControlCharacters(key, { singleLine: true }), { value: escapeValue(entry), enumerable: true, writable: true, configurable: true })
  }
  return copy
}
