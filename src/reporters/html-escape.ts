const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Text as HTML or SVG character data or a quoted attribute value. Every string that comes from a
 * scenario or a strategy name goes through here: a scenario named `<img onerror=...>` is text.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => entities[char]!)
}
