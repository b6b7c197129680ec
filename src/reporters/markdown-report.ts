import { describeActual, describeRequirement } from './gates.ts'
import { describeIncomplete } from './incomplete.ts'
import type { JsonGateResult, JsonInterval, JsonReport } from './json-report.ts'
import { renderSparkline } from './learning-curve.ts'
import { renderLeaderboardMarkdown } from './leaderboard.ts'
import { escapeControlCharactersDeep } from '../runtime/text/control-characters.ts'
import { escapeMarkdownCell as esc, markdownText } from './markdown-escape.ts'
import { formatMetric, formatPValue, formatSigned, metricInfo, rateKeys } from './metric-catalog.ts'
import {
  describeTaskSet,
  diagnosingStrategies,
  distinctTaskCount,
  pairedByReference,
  strategiesWithCurves,
  strategiesWithRepeats,
  strategyEntries,
  suspiciousEntries,
  suspiciousExplanation,
  suspiciousTaskName,
  taskSetViews,
  breakdownMatrix,
  offendingTasks,
  verdictMetrics,
} from './report-view.ts'
import { breakdownDimensions } from './breakdown.ts'

export interface MarkdownReportOptions {
  /** Strategies shown but not ranked in the leaderboard. @default ['ORACLE'] */
  unranked?: readonly string[]
}

const table = (header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${align.map((a) => (a === 'l' ? ':--' : '--:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')

/** `[0.497, 0.685]`, with the rate's digits; `-` without an interval. */
export function formatInterval(interval: JsonInterval | null, digits = 3): string {
  return interval === null ? '-' : `[${interval.lower.toFixed(digits)}, ${interval.upper.toFixed(digits)}]`
}

/** The gates as a Markdown table: one row per gate, strategy, metric, required, actual. */
export function renderGatesMarkdown(gates: readonly JsonGateResult[], report: JsonReport): string {
  return table(
    ['Result', 'Kind', 'Strategy', 'Metric', 'Required', 'Actual'],
    ['l', 'l', 'l', 'l', 'l', 'l'],
    gates.map((gate) => [
      gate.pass ? 'pass' : '**FAIL**',
      markdownText(gate.kind),
      esc(gate.strategy),
      markdownText(gate.metric),
      esc(describeRequirement(gate)),
      esc(describeActual(gate, report)),
    ]),
  )
}

/** One leaderboard per task set; a heading per set only when there is more than one. */
function leaderboards(report: JsonReport, options: MarkdownReportOptions, heading: string): string[] {
  const views = taskSetViews(report)
  const reference = options.unranked ?? ['ORACLE']
  if (views.length <= 1) return [renderLeaderboardMarkdown(views[0]?.rows ?? [], { reference }), '']
  return [
    'Strategies and agents that ran different tasks are ranked in separate tables, never against each other.',
    '',
    ...views.flatMap((view) => [`${heading} ${esc(capitalize(describeTaskSet(view, views.length)))}`, '', renderLeaderboardMarkdown(view.rows, { reference }), '']),
  ]
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

function suspiciousSection(report: JsonReport, heading: string): string[] {
  const suspicious = suspiciousEntries(report)
  if (suspicious.length === 0) return []
  return [
    `${heading} Suspicious tasks`,
    '',
    `Each ${esc(suspiciousExplanation)}.`,
    '',
    table(
      ['Strategy', 'Task', 'Why'],
      ['l', 'l', 'l'],
      // The reason is AWRR's own literal (`completed_without_calls`), never input.
      suspicious.flatMap(([name, tasks]) => tasks.map((task) => [esc(name), esc(suspiciousTaskName(task)), task.reason])),
    ),
    '',
  ]
}

/** What goes into `GITHUB_STEP_SUMMARY`: the leaderboard, and the gates that missed. */
export function renderStepSummary(input: JsonReport, options: MarkdownReportOptions = {}): string {
  const report = escapeControlCharactersDeep(input)
  const missed = report.gates.filter((gate) => !gate.pass)
  const lines = [
    `### AWRR leaderboard (seed ${markdownText(report.seed)}, ${distinctTaskCount(report)} tasks)`,
    '',
    ...leaderboards(report, options, '####'),
    ...suspiciousSection(report, '####'),
  ]
  if (report.gates.length > 0) {
    lines.push(missed.length === 0 ? `All ${report.gates.length} gates met.` : `**${missed.length} of ${report.gates.length} gates missed:**`, '')
    if (missed.length > 0) lines.push(renderGatesMarkdown(missed, report), '')
  }
  return lines.join('\n')
}

/**
 * `report.md`: every table of the run for a pull request or a wiki page. GitHub-flavoured
 * Markdown; scenario and strategy names escaped.
 */
export function renderMarkdownReport(input: JsonReport, options: MarkdownReportOptions = {}): string {
  // Control characters first, everywhere (a task id holding ESC or a lone CR); then every value
  // from a scenario, a config or the report goes through `esc` where it is placed.
  const report = escapeControlCharactersDeep(input)
  const entries = strategyEntries(report)
  const out: string[] = []
  out.push(
    '# AWRR report',
    '',
    `Seed ${markdownText(report.seed)} · ${distinctTaskCount(report)} tasks · ${entries.length} strategies · reference ${esc(report.reference)}`,
    '',
    ...(report.incomplete?.length
      ? [
          '## Incomplete: these modules did not report all their tasks',
          '',
          ...report.incomplete.map((entry) => `- ${esc(describeIncomplete(entry))}`),
          '',
        ]
      : []),
    '## Leaderboard',
    '',
    ...leaderboards(report, options, '###'),
    'Best value per column in bold. Higher is better for WCR, RR_task, RR_event and SRR; lower for the rest.',
    '',
    '## Rates with 95% Wilson intervals',
    '',
    ...taskSetViews(report).flatMap((view, _, views) => [
      ...(views.length > 1 ? [`### ${esc(capitalize(describeTaskSet(view, views.length)))}`, ''] : []),
      table(
        ['Strategy', ...rateKeys.map((key) => metricInfo(key).label)],
        ['l', ...rateKeys.map(() => 'r' as const)],
        entries
          .filter(([name]) => view.set.strategies.includes(name))
          .map(([name, entry]) => [
            esc(name),
            ...rateKeys.map((key) => {
              const value = entry.metrics[key]
              return value === null ? '-' : `${formatMetric(key, value)} ${formatInterval(entry.intervals[key])}`
            }),
          ]),
      ),
      '',
    ]),
  )
  out.push(...suspiciousSection(report, '##'))

  for (const [reference, paired] of pairedByReference(report)) {
    out.push(
      `## Paired with ${esc(reference)} on the same tasks`,
      '',
      table(
        ['Strategy', 'Pairs', 'Both completed', 'Only this', `Only ${esc(reference)}`, 'Neither', 'WCR difference', 'McNemar p'],
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
        paired.map(([name, entry]) => {
          const p = entry.paired!
          return [
            esc(name),
            String(p.pairs),
            String(p.both_completed),
            String(p.only_this),
            String(p.only_reference),
            String(p.neither_completed),
            formatSigned(p.difference),
            formatPValue(p.p_value),
          ]
        }),
      ),
      '',
      "McNemar's exact test on the discordant pairs; the difference is this strategy's WCR minus the reference's on the same tasks.",
      '',
    )
  }

  const repeated = strategiesWithRepeats(report)
  if (repeated.length > 0) {
    const maxK = Math.max(...repeated.map(([, entry]) => entry.pass_hat_k!.trials))
    const ks = Array.from({ length: maxK }, (_, i) => i + 1)
    out.push(
      '## pass^k',
      '',
      table(
        ['Strategy', ...ks.map((k) => `k=${k}`)],
        ['l', ...ks.map(() => 'r' as const)],
        repeated.map(([name, entry]) => [
          esc(name),
          ...ks.map((k) => formatMetric('pass_k', entry.pass_hat_k!.values.find((point) => point.k === k)?.value ?? null)),
        ]),
      ),
      '',
      'Chance that all of k trials of a task complete (tau-bench: per task C(c, k) / C(n, k), averaged).',
      '',
    )
  }

  const diagnosing = diagnosingStrategies(report)
  if (diagnosing.length > 0) {
    out.push('## Root-cause analysis', '')
    for (const [name, rca] of diagnosing) {
      const { per_event: perEvent, first_error: firstError } = rca
      out.push(
        `### ${esc(name)}`,
        '',
        `Sources: ${rca.sources.map(markdownText).join(', ')}. ${perEvent.records} diagnosed fault events. ` +
          `Layer accuracy ${formatMetric('rca_layer_acc', perEvent.layer_acc)} per event, ${formatMetric('rca_layer_acc', firstError.layer_acc)} on first errors; ` +
          `action accuracy ${formatMetric('rca_action_acc', perEvent.action_acc)} per event, ${formatMetric('rca_action_acc', firstError.action_acc)} on first errors.`,
        '',
        table(
          ['truth \\\\ predicted', ...perEvent.layer_matrix.columns.map(markdownText)],
          ['l', ...perEvent.layer_matrix.columns.map(() => 'r' as const)],
          perEvent.layer_matrix.rows.map((row, r) => [markdownText(row), ...perEvent.layer_matrix.counts[r]!.map(String)]),
        ),
        '',
      )
    }
  }

  const curves = strategiesWithCurves(report)
  if (curves.length > 0) {
    out.push(
      '## Learning curve',
      '',
      table(
        ['Strategy', 'RR_task per batch', 'Batches', `First batch reaching ${curves[0]![1].learning_curve.threshold}`],
        ['l', 'l', 'r', 'r'],
        curves.map(([name, entry]) => [
          esc(name),
          `\`${renderSparkline(entry.learning_curve.batches)}\``,
          String(entry.learning_curve.batches.length),
          entry.learning_curve.first_batch_reaching === null ? 'never' : String(entry.learning_curve.first_batch_reaching),
        ]),
      ),
      '',
    )
  }

  out.push(
    '## Degradation and client verdicts',
    '',
    table(
      ['Strategy', ...verdictMetrics.map((key) => metricInfo(key).label)],
      ['l', ...verdictMetrics.map(() => 'r' as const)],
      entries.map(([name, entry]) => [esc(name), ...verdictMetrics.map((key) => formatMetric(key, entry.metrics[key]))]),
    ),
    '',
    'Clean WCR: the same tasks with every fault switched off; Delta WCR: WCR minus clean WCR on them. ABD: tasks that ran a write after a lying answer they did not detect. RAH: retries after Retry-After that waited long enough. The other columns count offending calls.',
    '',
  )
  for (const dimension of breakdownDimensions) {
    const matrix = breakdownMatrix(report, dimension)
    if (matrix.keys.length === 0 || (matrix.keys.length === 1 && matrix.keys[0] === 'none')) continue
    out.push(
      `## By fault ${dimension}`,
      '',
      table(
        [esc(dimension), 'Tasks', ...matrix.strategies.map((name) => `${esc(name)} WCR / RR / MTTR`)],
        ['l', 'r', ...matrix.strategies.map(() => 'r' as const)],
        matrix.keys.map((key) => [
          esc(key),
          String(matrix.row(key, matrix.strategies[0]!)?.tasks ?? 0),
          ...matrix.strategies.map((strategy) => {
            const row = matrix.row(key, strategy)
            return row ? `${formatMetric('wcr', row.wcr)} / ${formatMetric('rr_task', row.rr_task)} / ${formatMetric('mttr_ms', row.mttr_ms)}` : '-'
          }),
        ]),
      ),
      '',
    )
  }
  const offending = offendingTasks(report)
  if (offending.length > 0) {
    out.push(
      '## Offending calls',
      '',
      table(
        ['Strategy', 'Task', 'Verdict', 'Calls'],
        ['l', 'l', 'l', 'l'],
        offending.flatMap(([name, list]) => list.map((item) => [esc(name), esc(item.task), markdownText(item.verdict), item.calls.map(markdownText).join(', ')])),
      ),
      '',
    )
  }

  const scenarios = [...new Set(entries.flatMap(([, entry]) => entry.scenarios.map((s) => s.scenario)))].sort()
  out.push(
    '## Completed per scenario',
    '',
    table(
      ['Scenario', ...entries.map(([name]) => esc(name))],
      ['l', ...entries.map(() => 'r' as const)],
      scenarios.map((scenario) => [
        esc(scenario),
        ...entries.map(([, entry]) => {
          const row = entry.scenarios.find((s) => s.scenario === scenario)
          return row ? `${row.completed}/${row.tasks}` : '-'
        }),
      ]),
    ),
    '',
  )

  if (report.gates.length > 0) {
    const missed = report.gates.filter((gate) => !gate.pass).length
    out.push('## Gates', '', missed === 0 ? `All ${report.gates.length} gates met.` : `**${missed} of ${report.gates.length} gates missed.**`, '', renderGatesMarkdown(report.gates, report), '')
  }
  return out.join('\n')
}
