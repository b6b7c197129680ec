import { stripVTControlCharacters } from 'node:util'

/** Width as a terminal shows it: colour codes take no room. */
export function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length
}

export function padVisibleEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)))
}

export function padVisibleStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleWidth(text))) + text
}

/**
 * Aligns rows of cells into lines: the first column left, the others right (numbers), two spaces
 * between columns, trailing blanks trimmed.
 */
export function alignColumns(rows: readonly (readonly string[])[], leftColumns = 1): string[] {
  const count = Math.max(0, ...rows.map((row) => row.length))
  const widths = Array.from({ length: count }, (_, c) => Math.max(0, ...rows.map((row) => visibleWidth(row[c] ?? ''))))
  return rows.map((row) =>
    row
      .map((cell, c) => (c < leftColumns ? padVisibleEnd(cell, widths[c]!) : padVisibleStart(cell, widths[c]!)))
      .join('  ')
      .trimEnd(),
  )
}

/**
 * Puts blocks of lines next to each other while they fit in `maxWidth`, starting a new row of
 * blocks when the next one would not. Keeps wide terminals from scrolling and narrow ones usable.
 */
export function sideBySide(blocks: readonly (readonly string[])[], maxWidth: number, gap = 4): string[] {
  const lines: string[] = []
  let row: (readonly string[])[] = []
  let rowWidth = 0
  const flush = () => {
    if (row.length === 0) return
    const widths = row.map((block) => Math.max(0, ...block.map(visibleWidth)))
    const height = Math.max(...row.map((block) => block.length))
    for (let i = 0; i < height; i++) {
      lines.push(row.map((block, b) => padVisibleEnd(block[i] ?? '', b === row.length - 1 ? 0 : widths[b]! + gap)).join('').trimEnd())
    }
    row = []
    rowWidth = 0
  }
  for (const block of blocks) {
    const width = Math.max(0, ...block.map(visibleWidth))
    if (row.length > 0 && rowWidth + gap + width > maxWidth) {
      flush()
      lines.push('')
    }
    rowWidth += (row.length > 0 ? gap : 0) + width
    row.push(block)
  }
  flush()
  return lines
}

/** Joins items with `separator`, breaking lines so that none is wider than `maxWidth`. */
export function wrapItems(items: readonly string[], maxWidth: number, indent = '  ', separator = '   '): string[] {
  const lines: string[] = []
  let current = ''
  for (const item of items) {
    const candidate = current === '' ? indent + item : current + separator + item
    if (current !== '' && visibleWidth(candidate) > maxWidth) {
      lines.push(current)
      current = indent + item
    } else {
      current = candidate
    }
  }
  if (current !== '') lines.push(current)
  return lines
}
