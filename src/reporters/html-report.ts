import { escapeControlCharactersDeep } from '../runtime/text/control-characters.ts'
import { describeActual, describeRequirement } from './gates.ts'
import { escapeHtml as esc } from './html-escape.ts'
import { describeIncomplete } from './incomplete.ts'
import type { JsonReport } from './json-report.ts'
import { leaderboardCells, leaderboardKeys, type LeaderboardRow } from './leaderboard.ts'
import { formatInterval } from './markdown-report.ts'
import { formatMetric, formatPValue, formatSigned, metricInfo, rateKeys } from './metric-catalog.ts'
import {
  describeTaskSet,
  diagnosingStrategies,
  distinctTaskCount,
  pairedByReference,
  suspiciousEntries,
  suspiciousExplanation,
  suspiciousTaskName,
  taskSetViews,
  strategiesWithCurves,
  strategiesWithRepeats,
  strategyEntries,
  type TaskSetView,
  breakdownMatrix,
  offendingTasks,
  verdictMetrics,
} from './report-view.ts'
import { breakdownDimensions } from './breakdown.ts'
import { confusionHeatmap, costChart, learningChart, rateChart, strategyColors } from './svg-charts.ts'

export interface HtmlReportOptions {
  /** Strategies shown but not ranked (no best-value mark). @default ['ORACLE'] */
  unranked?: readonly string[]
}

const styles = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f6f7f9; --card: #fff;
  --good: #15803d; --bad: #b91c1c; --accent: #4269d0; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 48px; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 20px; margin-bottom: 20px; }
h1 { font-size: 24px; margin: 0; letter-spacing: -0.01em; }
h2 { font-size: 17px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.meta { color: var(--muted); }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.badge.pass { background: #dcfce7; color: var(--good); }
.badge.fail { background: #fee2e2; color: var(--bad); }
.badge.none { background: #e5e7eb; color: var(--muted); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin: 0 0 18px; }
.note { color: var(--muted); margin: 0 0 12px; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 18px 28px; }
.row { display: flex; flex-wrap: wrap; gap: 12px 40px; align-items: flex-start; }
.rca + .rca { margin-top: 22px; padding-top: 18px; border-top: 1px solid var(--line); }
.figure h3 { font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafafa; }
th:first-child, td:first-child { text-align: left; }
td.text { text-align: left; white-space: normal; }
table.gates th, table.gates td { text-align: left; }
tr:last-child td { border-bottom: 0; }
td.best { font-weight: 700; color: var(--good); }
.ci { color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 8px; vertical-align: baseline; }
.pass { color: var(--good); font-weight: 600; }
.fail { color: var(--bad); font-weight: 700; }
.unranked { color: var(--muted); }
svg.chart { display: block; max-width: 100%; height: auto; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
`

function leaderboardTable(rows: readonly LeaderboardRow[], colors: Map<string, string>, unranked: readonly string[]): string {
  const cells = leaderboardCells(rows, unranked)
  const leaderboardMetrics = leaderboardKeys(rows)
  const head = `<tr><th>Strategy</th>${leaderboardMetrics.map((key) => `<th>${esc(metricInfo(key).label)}</th>`).join('')}</tr>`
  const body = rows.map(({ strategy: name }, i) => {
    const row = leaderboardMetrics.map(
      (key, c) => `<td data-metric="${key}"${cells[i]![c]!.best ? ' class="best"' : ''}>${cells[i]![c]!.text}</td>`,
    )
    const label =
      `<span class="swatch" style="background:${colors.get(name)}"></span>${esc(name)}` +
      (unranked.includes(name) ? ' <span class="unranked">(reference, not ranked)</span>' : '')
    return `<tr data-strategy="${esc(name)}"><td>${label}</td>${row.join('')}</tr>`
  })
  return `<div class="scroll"><table class="leaderboard"><thead>${head}</thead><tbody>${body.join('')}</tbody></table></div>`
}

/** One table per task set, each under its own heading when there is more than one. */
function perTaskSet(report: JsonReport, render: (view: TaskSetView) => string): string {
  const views = taskSetViews(report)
  if (views.length <= 1) return render(views[0] ?? { set: { strategies: [], tasks: 0, scenarios: [], reference: null }, index: 1, rows: [] })
  return views
    .map((view) => `<h3 class="task-set" data-task-set="${view.index}">${esc(describeTaskSet(view, views.length))}</h3>${render(view)}`)
    .join('')
}

function intervalsTable(report: JsonReport, strategies: readonly string[]): string {
  const head = `<tr><th>Strategy</th>${rateKeys.map((key) => `<th>${esc(metricInfo(key).label)}</th>`).join('')}</tr>`
  const rows = strategyEntries(report).filter(([name]) => strategies.includes(name)).map(([name, entry]) => {
    const cells = rateKeys.map((key) => {
      const value = entry.metrics[key]
      if (value === null) return `<td data-metric="${key}">-</td>`
      return `<td data-metric="${key}">${formatMetric(key, value)}<br><span class="ci">${formatInterval(entry.intervals[key])}</span></td>`
    })
    return `<tr data-strategy="${esc(name)}"><td>${esc(name)}</td>${cells.join('')}</tr>`
  })
  return `<div class="scroll"><table class="intervals"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`
}

function section(id: string, title: string, note: string, body: string): string {
  return `<section id="${id}"><h2>${title}</h2>${note ? `<p class="note">${note}</p>` : ''}${body}</section>`
}

/**
 * `report.html`: one self-contained page (inline CSS and SVG, no script, no external resource, a
 * Content-Security-Policy that forbids fetching anything) with the leaderboard, rates with their
 * 95% intervals, cost, paired comparisons, pass^k, learning curves, RCA heat maps, outcomes per
 * scenario and gates. Every number is formatted as in the terminal and Markdown reports.
 */
export function renderHtmlReport(input: JsonReport, options: HtmlReportOptions = {}): string {
  // Bidi overrides and other control characters in a task id would reorder or hide what the page shows.
  const report = escapeControlCharactersDeep(input)
  const unranked = options.unranked ?? ['ORACLE']
  const entries = strategyEntries(report)
  const colors = strategyColors(entries.map(([name]) => name))
  const missed = report.gates.filter((gate) => !gate.pass).length
  const badge =
    report.gates.length === 0
      ? '<span class="badge none">no gates</span>'
      : missed === 0
        ? `<span class="badge pass">all ${report.gates.length} gates met</span>`
        : `<span class="badge fail">${missed} of ${report.gates.length} gates missed</span>`
  const body: string[] = []

  if (report.incomplete?.length) {
    body.push(
      section(
        'incomplete',
        'Incomplete',
        'These modules did not report all their tasks (a worker crashed or was ended): the figures leave those tasks out.',
        `<ul>${report.incomplete.map((entry) => `<li>${esc(describeIncomplete(entry))}</li>`).join('')}</ul>`,
      ),
    )
  }

  const separate = report.task_sets.length > 1 ? ' Strategies and agents that ran different tasks are ranked in separate tables, never against each other.' : ''
  body.push(
    section(
      'leaderboard',
      'Leaderboard',
      `Best value per column in green. Higher is better for WCR, RR_task, RR_event and SRR; lower for the rest.${separate}`,
      perTaskSet(report, (view) => leaderboardTable(view.rows, colors, unranked)),
    ),
  )

  const suspicious = suspiciousEntries(report)
  if (suspicious.length > 0) {
    const rows = suspicious.flatMap(([name, tasks]) =>
      tasks.map((task) => `<tr data-strategy="${esc(name)}"><td>${esc(name)}</td><td class="text">${esc(suspiciousTaskName(task))}</td><td class="text">${task.reason}</td></tr>`),
    )
    body.push(
      section(
        'suspicious',
        'Suspicious tasks',
        `Each ${esc(suspiciousExplanation)}.`,
        `<div class="scroll"><table class="suspicious"><thead><tr><th>Strategy</th><th>Task</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
      ),
    )
  }

  const rateCharts = rateKeys
    .filter((key) => entries.some(([, entry]) => entry.metrics[key] !== null))
    .map((key) => {
      const chart = rateChart(
        metricInfo(key).label,
        entries.map(([name, entry]) => ({
          strategy: name,
          color: colors.get(name)!,
          value: entry.metrics[key],
          lower: entry.intervals[key]?.lower ?? null,
          upper: entry.intervals[key]?.upper ?? null,
          label: formatMetric(key, entry.metrics[key]),
        })),
      )
      return `<div class="figure"><h3>${esc(metricInfo(key).label)}</h3>${chart}</div>`
    })
  body.push(
    section(
      'rates',
      'Rates with 95% Wilson intervals',
      'Dot: the rate; whisker: its 95% Wilson interval. Overlapping whiskers are not a difference; the paired test below is the sharper check.',
      `<div class="grid">${rateCharts.join('')}</div><h3 style="margin-top:18px">Intervals</h3>${perTaskSet(report, (view) => intervalsTable(report, view.set.strategies))}`,
    ),
  )

  body.push(
    section(
      'cost',
      'Cost',
      'Tool calls per task (CPT) and per completed task (CPS): retries, rollbacks, tickets and compensations included.',
      costChart(
        entries.map(([name, entry]) => ({
          strategy: name,
          color: colors.get(name)!,
          cpt: entry.metrics.cpt,
          cps: entry.metrics.cps,
          cptLabel: formatMetric('cpt', entry.metrics.cpt),
          cpsLabel: formatMetric('cps', entry.metrics.cps),
        })),
      ),
    ),
  )

  for (const [index, [reference, paired]] of pairedByReference(report).entries()) {
    const ref = esc(reference)
    const rows = paired.map(([name, entry]) => {
      const p = entry.paired!
      return (
        `<tr data-strategy="${esc(name)}"><td>${esc(name)}</td><td>${p.pairs}</td><td>${p.both_completed}</td><td>${p.only_this}</td>` +
        `<td>${p.only_reference}</td><td>${p.neither_completed}</td><td data-field="difference">${formatSigned(p.difference)}</td>` +
        `<td data-field="p_value">${formatPValue(p.p_value)}</td></tr>`
      )
    })
    body.push(
      section(
        index === 0 ? 'paired' : `paired-${index + 1}`,
        `Paired with ${ref}`,
        `Each strategy against ${ref} on the same tasks: WCR difference and McNemar's exact test on the tasks where exactly one of the two completed.`,
        `<div class="scroll"><table class="paired"><thead><tr><th>Strategy</th><th>Pairs</th><th>Both completed</th><th>Only this</th><th>Only ${ref}</th><th>Neither</th><th>WCR difference</th><th>McNemar p</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
      ),
    )
  }

  const repeated = strategiesWithRepeats(report)
  if (repeated.length > 0) {
    const maxK = Math.max(...repeated.map(([, entry]) => entry.pass_hat_k!.trials))
    const ks = Array.from({ length: maxK }, (_, i) => i + 1)
    const rows = repeated.map(
      ([name, entry]) =>
        `<tr data-strategy="${esc(name)}"><td>${esc(name)}</td>${ks
          .map((k) => `<td>${formatMetric('pass_k', entry.pass_hat_k!.values.find((point) => point.k === k)?.value ?? null)}</td>`)
          .join('')}</tr>`,
    )
    body.push(
      section(
        'pass-k',
        'pass^k',
        'Chance that all of k trials of a task complete (tau-bench: per task C(c, k) / C(n, k), averaged over tasks).',
        `<div class="scroll"><table class="pass-k"><thead><tr><th>Strategy</th>${ks.map((k) => `<th>k=${k}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
      ),
    )
  }

  const curves = strategiesWithCurves(report)
  if (curves.length > 0) {
    const threshold = curves[0]![1].learning_curve.threshold
    const chart = learningChart(
      curves.map(([name, entry]) => ({
        strategy: name,
        color: colors.get(name)!,
        points: entry.learning_curve.batches.map((b) => ({ batch: b.batch, value: b.rr_task })),
        note: entry.learning_curve.first_batch_reaching === null ? 'never' : `batch ${entry.learning_curve.first_batch_reaching}`,
      })),
      threshold,
    )
    body.push(
      section(
        'learning',
        'Learning curve',
        `RR_task per batch of tasks, in task order; the legend gives the first batch reaching ${threshold}. Gaps are batches without a tool error.`,
        chart,
      ),
    )
  }

  const diagnosing = diagnosingStrategies(report)
  if (diagnosing.length > 0) {
    const figures = diagnosing.map(([name, rca]) => {
      const e = rca.per_event
      const f = rca.first_error
      return (
        `<div class="rca" data-strategy="${esc(name)}"><h3>${esc(name)} <span class="meta">(${esc(rca.sources.join(', '))})</span></h3>` +
        `<p class="note">${e.records} diagnosed fault events. Layer accuracy <b data-field="layer_acc">${formatMetric('rca_layer_acc', e.layer_acc)}</b> ` +
        `(first error ${formatMetric('rca_layer_acc', f.layer_acc)}), action accuracy <b data-field="action_acc">${formatMetric('rca_action_acc', e.action_acc)}</b> ` +
        `(first error ${formatMetric('rca_action_acc', f.action_acc)}).</p>` +
        `<div class="row"><div class="figure"><h3>Layer</h3>${confusionHeatmap(`${name}: layer, truth by prediction`, e.layer_matrix)}</div>` +
        `<div class="figure"><h3>Action</h3>${confusionHeatmap(`${name}: action, truth by prediction`, e.action_matrix)}</div></div>` +
        '</div>'
      )
    })
    body.push(
      section(
        'rca',
        'Root-cause analysis',
        'Per error event: rows are the injected ground truth, columns what the strategy diagnosed; shade is the share of the row, the outlined diagonal is right.',
        figures.join(''),
      ),
    )
  }

  const verdictRows = entries.map(
    ([name, entry]) =>
      `<tr data-strategy="${esc(name)}"><td>${esc(name)}</td>${verdictMetrics.map((key) => `<td data-metric="${key}">${formatMetric(key, entry.metrics[key])}</td>`).join('')}</tr>`,
  )
  const breakdownTables = breakdownDimensions.flatMap((dimension) => {
    const matrix = breakdownMatrix(report, dimension)
    if (matrix.keys.length === 0 || (matrix.keys.length === 1 && matrix.keys[0] === 'none')) return []
    const rows = matrix.keys.map(
      (key) =>
        `<tr><td class="text">${esc(key)}</td><td>${matrix.row(key, matrix.strategies[0]!)?.tasks ?? 0}</td>${matrix.strategies
          .map((strategy) => {
            const row = matrix.row(key, strategy)
            return `<td data-strategy="${esc(strategy)}">${row ? `${formatMetric('wcr', row.wcr)}<br><span class="ci">RR ${formatMetric('rr_task', row.rr_task)} · MTTR ${formatMetric('mttr_ms', row.mttr_ms)}</span>` : '-'}</td>`
          })
          .join('')}</tr>`,
    )
    return [
      `<h3 style="margin-top:18px">By fault ${esc(dimension)}</h3><div class="scroll"><table class="breakdown" data-dimension="${dimension}"><thead><tr><th>${esc(dimension)}</th><th>Tasks</th>${matrix.strategies.map((name) => `<th>${esc(name)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    ]
  })
  const offending = offendingTasks(report)
  const offendingList =
    offending.length === 0
      ? ''
      : `<h3 style="margin-top:18px">Offending calls</h3><div class="scroll"><table class="offending"><thead><tr><th>Strategy</th><th>Task</th><th>Verdict</th><th>Calls</th></tr></thead><tbody>${offending
          .flatMap(([name, list]) => list.map((item) => `<tr><td>${esc(name)}</td><td class="text">${esc(item.task)}</td><td class="text">${esc(item.verdict)}</td><td class="text">${item.calls.join(', ')}</td></tr>`))
          .join('')}</tbody></table></div>`
  body.push(
    section(
      'degradation',
      'Degradation, breakdowns and client verdicts',
      'Clean WCR: the same tasks with every fault switched off; Delta WCR: WCR minus clean WCR. ABD: tasks that ran a write after a lying answer they did not detect. RAH: retries after Retry-After that waited long enough; the other verdicts count offending calls. Breakdowns: WCR per kind of fault that reached the task.',
      `<div class="scroll"><table class="verdicts"><thead><tr><th>Strategy</th>${verdictMetrics.map((key) => `<th>${esc(metricInfo(key).label)}</th>`).join('')}</tr></thead><tbody>${verdictRows.join('')}</tbody></table></div>${breakdownTables.join('')}${offendingList}`,
    ),
  )

  const scenarios = [...new Set(entries.flatMap(([, entry]) => entry.scenarios.map((s) => s.scenario)))].sort()
  const scenarioRows = scenarios.map((scenario) => {
    const cells = entries.map(([, entry]) => {
      const row = entry.scenarios.find((s) => s.scenario === scenario)
      return `<td>${row ? `${row.completed}/${row.tasks}` : '-'}</td>`
    })
    return `<tr><td class="text">${esc(scenario)}</td>${cells.join('')}</tr>`
  })
  body.push(
    section(
      'scenarios',
      'Completed per scenario',
      'Completed tasks out of tasks run, per scenario and strategy.',
      `<div class="scroll"><table class="scenarios"><thead><tr><th>Scenario</th>${entries.map(([name]) => `<th>${esc(name)}</th>`).join('')}</tr></thead><tbody>${scenarioRows.join('')}</tbody></table></div>`,
    ),
  )

  if (report.gates.length > 0) {
    const rows = report.gates.map(
      (gate) =>
        `<tr><td class="${gate.pass ? 'pass' : 'fail'}">${gate.pass ? 'pass' : 'FAIL'}</td><td class="text">${gate.kind}</td><td class="text">${esc(gate.strategy)}</td>` +
        `<td class="text">${esc(gate.metric)}</td><td class="text">${esc(describeRequirement(gate))}</td><td class="text">${esc(describeActual(gate, report))}</td></tr>`,
    )
    body.push(
      section(
        'gates',
        'Gates',
        missed === 0 ? `All ${report.gates.length} gates met.` : `${missed} of ${report.gates.length} gates missed: the run failed.`,
        `<div class="scroll"><table class="gates"><thead><tr><th>Result</th><th>Kind</th><th>Strategy</th><th>Metric</th><th>Required</th><th>Actual</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
      ),
    )
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>AWRR report (seed ${report.seed})</title>
<style>${styles}</style>
</head>
<body>
<main>
<header><h1>AWRR report</h1><span class="meta">seed ${report.seed} · ${distinctTaskCount(report)} tasks · ${entries.length} strategies · reference ${esc(report.reference)}</span>${badge}</header>
${body.join('\n')}
<footer>Rendered from report.json (version ${report.version}); every number here is in that file.</footer>
</main>
</body>
</html>
`
}
