// Inline SVG charts for the HTML report: strings in, strings out, no DOM and no library, so the
// page needs no script and makes no request. Every label passes through escapeHtml.
import { escapeHtml as esc } from './html-escape.ts'
import type { ConfusionMatrix } from './rca.ts'

/** Observable's "observable10": distinct at a glance, readable on white. */
export const strategyPalette = [
  '#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0',
] as const

export function strategyColors(names: readonly string[]): Map<string, string> {
  return new Map(names.map((name, i) => [name, strategyPalette[i % strategyPalette.length]!]))
}

const ink = '#1f2937'
const muted = '#6b7280'
const grid = '#e5e7eb'
const font = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12"`

/** Rough width of a label at 12px; good enough to size margins without measuring text. */
function labelWidth(text: string): number {
  return Math.ceil(text.length * 7)
}

function fmt(value: number): string {
  return String(Math.round(value * 10) / 10)
}

function svgOpen(width: number, height: number, label: string, kind: string): string {
  return (
    `<svg class="chart chart-${kind}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" ${font}>`
  )
}

function truncate(text: string, maxWidth: number): string {
  const maxChars = Math.max(3, Math.floor(maxWidth / 7))
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`
}

export interface RatePoint {
  strategy: string
  color: string
  value: number | null
  lower: number | null
  upper: number | null
  /** The value as the tables show it. */
  label: string
}

/**
 * One rate for every strategy on a shared 0..1 axis: a dot at the estimate, a whisker across the
 * 95% Wilson interval. A narrow whisker is evidence, a wide one is a small sample.
 */
export function rateChart(title: string, points: readonly RatePoint[]): string {
  const width = 520
  const nameWidth = Math.min(140, Math.max(48, ...points.map((p) => labelWidth(p.strategy) + 12)))
  const valueWidth = 52
  const x0 = nameWidth
  const x1 = width - valueWidth
  const rowHeight = 24
  const top = 8
  const height = top + points.length * rowHeight + 24
  const x = (value: number) => x0 + value * (x1 - x0)
  const parts = [svgOpen(width, height, `${title} per strategy with 95% intervals`, 'rate')]

  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${fmt(x(tick))}" x2="${fmt(x(tick))}" y1="${top - 4}" y2="${height - 20}" stroke="${grid}"/>`,
      `<text x="${fmt(x(tick))}" y="${height - 6}" text-anchor="middle" fill="${muted}" font-size="11">${tick}</text>`,
    )
  }
  points.forEach((point, i) => {
    const y = top + i * rowHeight + rowHeight / 2
    const tooltip =
      point.value === null
        ? `${point.strategy}: not measured`
        : `${point.strategy}: ${point.label}` + (point.lower === null ? '' : `, 95% interval ${point.lower.toFixed(3)} to ${point.upper!.toFixed(3)}`)
    parts.push(`<g><title>${esc(tooltip)}</title>`)
    parts.push(`<text x="${x0 - 8}" y="${fmt(y + 4)}" text-anchor="end" fill="${ink}">${esc(truncate(point.strategy, nameWidth - 12))}</text>`)
    if (point.value === null) {
      parts.push(`<text x="${x0 + 4}" y="${fmt(y + 4)}" fill="${muted}" font-style="italic">not measured</text>`)
    } else {
      if (point.lower !== null && point.upper !== null) {
        const [l, u] = [x(point.lower), x(point.upper)]
        parts.push(
          `<line x1="${fmt(l)}" x2="${fmt(u)}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="${point.color}" stroke-width="2.5" stroke-linecap="round" opacity="0.55"/>`,
          `<line x1="${fmt(l)}" x2="${fmt(l)}" y1="${fmt(y - 5)}" y2="${fmt(y + 5)}" stroke="${point.color}" stroke-width="1.5" opacity="0.8"/>`,
          `<line x1="${fmt(u)}" x2="${fmt(u)}" y1="${fmt(y - 5)}" y2="${fmt(y + 5)}" stroke="${point.color}" stroke-width="1.5" opacity="0.8"/>`,
        )
      }
      parts.push(`<circle cx="${fmt(x(point.value))}" cy="${fmt(y)}" r="5" fill="${point.color}" stroke="#fff" stroke-width="1.5"/>`)
      parts.push(`<text x="${width - 4}" y="${fmt(y + 4)}" text-anchor="end" fill="${ink}" font-variant-numeric="tabular-nums">${esc(point.label)}</text>`)
    }
    parts.push('</g>')
  })
  parts.push('</svg>')
  return parts.join('')
}

/** 1, 2 or 5 times a power of ten: a tick step a reader can add up in their head. */
export function niceStep(range: number, ticks = 4): number {
  if (!(range > 0)) return 1
  const raw = range / ticks
  const power = 10 ** Math.floor(Math.log10(raw))
  const scaled = raw / power
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power
}

export interface CostPoint {
  strategy: string
  color: string
  /** Tool calls per task, and per completed task, with the labels the tables show. */
  cpt: number | null
  cps: number | null
  cptLabel: string
  cpsLabel: string
}

/** Tool calls per task (light) and per completed task (solid), one pair of bars per strategy. */
export function costChart(points: readonly CostPoint[]): string {
  const width = 1080
  const nameWidth = Math.min(160, Math.max(56, ...points.map((p) => labelWidth(p.strategy) + 12)))
  const x0 = nameWidth
  const x1 = width - 60
  const top = 34
  const rowHeight = 40
  const height = top + points.length * rowHeight + 24
  const max = Math.max(1, ...points.flatMap((p) => [p.cpt ?? 0, p.cps ?? 0]))
  const step = niceStep(max)
  const axisMax = Math.ceil(max / step) * step
  const x = (value: number) => x0 + (value / axisMax) * (x1 - x0)
  const parts = [svgOpen(width, height, 'Tool calls per task and per completed task, per strategy', 'cost')]

  parts.push(
    `<rect x="${x0}" y="6" width="14" height="10" rx="2" fill="${muted}" opacity="0.35"/>`,
    `<text x="${x0 + 20}" y="15" fill="${ink}">tool calls per task (CPT)</text>`,
    `<rect x="${x0 + 200}" y="6" width="14" height="10" rx="2" fill="${muted}"/>`,
    `<text x="${x0 + 220}" y="15" fill="${ink}">tool calls per completed task (CPS)</text>`,
  )
  for (let tick = 0; tick <= axisMax + step / 2; tick += step) {
    const label = Number(tick.toPrecision(6))
    parts.push(
      `<line x1="${fmt(x(tick))}" x2="${fmt(x(tick))}" y1="${top - 4}" y2="${height - 20}" stroke="${grid}"/>`,
      `<text x="${fmt(x(tick))}" y="${height - 6}" text-anchor="middle" fill="${muted}" font-size="11">${label}</text>`,
    )
  }
  points.forEach((point, i) => {
    const y = top + i * rowHeight
    parts.push(`<text x="${x0 - 8}" y="${y + 18}" text-anchor="end" fill="${ink}">${esc(truncate(point.strategy, nameWidth - 12))}</text>`)
    const bars: [number | null, string, number, number, string][] = [
      [point.cpt, point.cptLabel, y + 2, 0.4, 'tool calls per task'],
      [point.cps, point.cpsLabel, y + 18, 1, 'tool calls per completed task'],
    ]
    for (const [value, label, barY, opacity, what] of bars) {
      if (value === null) {
        parts.push(`<text x="${x0 + 4}" y="${barY + 11}" fill="${muted}" font-style="italic">${what}: not measured</text>`)
        continue
      }
      const barWidth = Math.max(1, x(value) - x0)
      parts.push(
        `<g><title>${esc(`${point.strategy}: ${label} ${what}`)}</title>` +
          `<rect x="${x0}" y="${barY}" width="${fmt(barWidth)}" height="14" rx="2" fill="${point.color}" opacity="${opacity}"/>` +
          `<text x="${fmt(x0 + barWidth + 6)}" y="${barY + 11}" fill="${ink}" font-variant-numeric="tabular-nums">${esc(label)}</text></g>`,
      )
    }
  })
  parts.push('</svg>')
  return parts.join('')
}

export interface CurveSeries {
  strategy: string
  color: string
  points: readonly { batch: number; value: number | null }[]
  /** Shown in the legend, e.g. "batch 3" or "never". */
  note: string
}

/**
 * RR_task per batch for each strategy on a 0..1 axis, with the threshold dashed. A batch without
 * errors has no RR_task: the line breaks there instead of inventing a value.
 */
export function learningChart(series: readonly CurveSeries[], threshold: number): string {
  const legendWidth = Math.min(220, Math.max(140, ...series.map((s) => labelWidth(`${s.strategy}  ${s.note}`) + 34)))
  const width = 1080
  const height = 320
  const x0 = 48
  // Room between the last batch and the legend, so that its points do not read as legend marks.
  const x1 = width - legendWidth - 48
  const y0 = 14
  const y1 = height - 40
  const batches = series.flatMap((s) => s.points.map((p) => p.batch))
  const minBatch = Math.min(...batches)
  const maxBatch = Math.max(...batches)
  const x = (batch: number) => (maxBatch === minBatch ? (x0 + x1) / 2 : x0 + ((batch - minBatch) / (maxBatch - minBatch)) * (x1 - x0))
  const y = (value: number) => y1 - value * (y1 - y0)
  const parts = [svgOpen(width, height, 'Learning curve: RR_task per batch and strategy', 'learning')]

  for (const tick of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(
      `<line x1="${x0}" x2="${x1}" y1="${fmt(y(tick))}" y2="${fmt(y(tick))}" stroke="${grid}"/>`,
      `<text x="${x0 - 8}" y="${fmt(y(tick) + 4)}" text-anchor="end" fill="${muted}" font-size="11">${tick}</text>`,
    )
  }
  const step = Math.max(1, niceStep(maxBatch - minBatch, 8))
  for (let batch = minBatch; batch <= maxBatch; batch += step) {
    parts.push(`<text x="${fmt(x(batch))}" y="${y1 + 18}" text-anchor="middle" fill="${muted}" font-size="11">${batch}</text>`)
  }
  parts.push(
    `<text x="${fmt((x0 + x1) / 2)}" y="${height - 4}" text-anchor="middle" fill="${muted}">batch</text>`,
    `<text transform="translate(12 ${fmt((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="${muted}">RR_task</text>`,
    `<line x1="${x0}" x2="${x1}" y1="${fmt(y(threshold))}" y2="${fmt(y(threshold))}" stroke="${ink}" stroke-dasharray="5 4" opacity="0.6"/>`,
    `<text x="${x1 - 4}" y="${fmt(y(threshold) - 5)}" text-anchor="end" fill="${muted}" font-size="11">target ${threshold}</text>`,
  )
  const showDots = Math.max(...series.map((s) => s.points.length)) <= 60
  // Strategies that learn nothing often draw the same line; dashes keep the one underneath visible.
  const dashes = ['', ' stroke-dasharray="7 4"', ' stroke-dasharray="2 3"']
  series.forEach((s, i) => {
    const segments: string[][] = [[]]
    for (const point of s.points) {
      if (point.value === null) {
        if (segments.at(-1)!.length > 0) segments.push([])
        continue
      }
      segments.at(-1)!.push(`${fmt(x(point.batch))},${fmt(y(point.value))}`)
    }
    parts.push(`<g><title>${esc(`${s.strategy}: first batch reaching ${threshold}: ${s.note}`)}</title>`)
    for (const segment of segments) {
      if (segment.length > 1) {
        parts.push(`<polyline points="${segment.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.25" stroke-linejoin="round"${dashes[i % dashes.length]}/>`)
      }
    }
    if (showDots) {
      for (const point of s.points) {
        if (point.value !== null) parts.push(`<circle cx="${fmt(x(point.batch))}" cy="${fmt(y(point.value))}" r="3" fill="${s.color}"/>`)
      }
    }
    parts.push('</g>')
  })
  series.forEach((s, i) => {
    const ly = y0 + 8 + i * 22
    const lx = width - legendWidth
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"${dashes[i % dashes.length]}/>`,
      `<text x="${lx + 30}" y="${ly + 4}" fill="${ink}">${esc(truncate(s.strategy, 90))} <tspan fill="${muted}">${esc(s.note)}</tspan></text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('')
}

function mix(from: readonly number[], to: readonly number[], t: number): string {
  const channel = (i: number) => Math.round(from[i]! + (to[i]! - from[i]!) * t)
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`
}

/**
 * A confusion matrix as a heat map: rows are the truth, columns the prediction, each cell shaded
 * by its share of the row (so a rare layer reads as clearly as a common one) and labelled with its
 * count. The diagonal, where the diagnosis was right, is outlined.
 */
export function confusionHeatmap(title: string, matrix: ConfusionMatrix): string {
  const cellWidth = 74
  const cellHeight = 34
  const x0 = Math.max(96, ...matrix.rows.map((row) => labelWidth(row) + 16))
  const y0 = 44
  const width = x0 + matrix.columns.length * cellWidth + 56
  const height = y0 + matrix.rows.length * cellHeight + 10
  const light = [244, 246, 251]
  const dark = [37, 74, 178]
  const parts = [svgOpen(width, height, title, 'heatmap')]

  parts.push(`<text x="${x0 + (matrix.columns.length * cellWidth) / 2}" y="14" text-anchor="middle" fill="${muted}">predicted</text>`)
  matrix.columns.forEach((column, c) => {
    parts.push(`<text x="${x0 + c * cellWidth + cellWidth / 2}" y="${y0 - 10}" text-anchor="middle" fill="${ink}">${esc(column)}</text>`)
  })
  parts.push(`<text x="${width - 26}" y="${y0 - 10}" text-anchor="middle" fill="${muted}">n</text>`)
  matrix.rows.forEach((row, r) => {
    const counts = matrix.counts[r]!
    const total = counts.reduce((sum, count) => sum + count, 0)
    const y = y0 + r * cellHeight
    parts.push(`<text x="${x0 - 10}" y="${y + cellHeight / 2 + 4}" text-anchor="end" fill="${ink}">${esc(row)}</text>`)
    counts.forEach((count, c) => {
      const share = total === 0 ? 0 : count / total
      const column = matrix.columns[c]!
      const diagonal = column === row
      const cellX = x0 + c * cellWidth
      parts.push(
        `<g><title>${esc(`truth ${row}, predicted ${column}: ${count} of ${total}`)}</title>` +
          `<rect x="${cellX + 1}" y="${y + 1}" width="${cellWidth - 2}" height="${cellHeight - 2}" rx="3" fill="${mix(light, dark, share)}"` +
          (diagonal ? ` stroke="${ink}" stroke-width="1.5"` : '') +
          '/>' +
          `<text x="${cellX + cellWidth / 2}" y="${y + cellHeight / 2 + 4}" text-anchor="middle" fill="${share > 0.55 ? '#fff' : ink}" font-variant-numeric="tabular-nums">${count}</text></g>`,
      )
    })
    parts.push(`<text x="${width - 26}" y="${y + cellHeight / 2 + 4}" text-anchor="middle" fill="${muted}" font-variant-numeric="tabular-nums">${total}</text>`)
  })
  parts.push('</svg>')
  return parts.join('')
}
