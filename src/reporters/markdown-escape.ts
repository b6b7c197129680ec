import { escapeControlCharacters } from '../runtime/text/control-characters.ts'

// CommonMark lets any ASCII punctuation character be backslash-escaped, and an escaped one is
// literal text. These are the ones that open an inline construct: a tag or an autolink
// (`<img onerror=...>`), a link or an image (`[x](javascript:...)`, `![`), emphasis, strikethrough,
// a code span, an entity (`&lt;`), math (`$`), a table-cell break (`|`), an escape (`\`). A `#`
// too, for headings. The characters that act only at the start of a line (`-`, `+`, `>`, `1.`)
// stay as they are: an escaped value never starts a line, since its line breaks are escaped.
const markdownPunctuation = /[\\`*_[\]<>|#~&!$]/g

/**
 * Any text that comes from a scenario, a config or a report file, as literal Markdown inline text
 * (a table cell, a heading, a sentence), on one line: control characters and line breaks first
 * become visible escapes (`\x1b`, `\r`, `\n`: a lone `\r` is a line ending to CommonMark, so it
 * would end a table row or start a `# heading`), then the punctuation that opens Markdown or HTML
 * is backslash-escaped. What GitHub shows is the text as written.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeControlCharacters(text, { singleLine: true }).replace(markdownPunctuation, '\\$&')
}

/** A value of unknown type from a report file as Markdown text (a string, a number, anything). */
export function markdownText(value: unknown): string {
  return escapeMarkdownCell(typeof value === 'string' ? value : String(JSON.stringify(value) ?? value))
}
