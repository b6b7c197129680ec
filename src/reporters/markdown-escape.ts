/**
 * Text from a scenario or a strategy name as literal Markdown table-cell text: CommonMark lets any
 * ASCII punctuation be backslash-escaped, so `<script>`, `*bold*` or a `|` stay text on GitHub.
 */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~&!]/g, (char) => `\\${char}`).replace(/\r?\n/g, ' ')
}
