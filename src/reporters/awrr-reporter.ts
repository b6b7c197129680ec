import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import type { Reporter, TestCase, TestModule, TestRunEndReason, TestSpecification, Vitest } from 'vitest/node'
import { escapeControlCharacters } from '../runtime/text/control-characters.ts'
import { traceFileName } from '../runtime/vitest/trace-name.ts'
import { collectTaskSummaries } from './collect.ts'
import { describeDuplicate, findDuplicateScenarioNames } from './duplicate-names.ts'
import { describeIncomplete, findIncompleteModules, readHungSummaries, recoveredKey } from './incomplete.ts'
import { shouldUseColor } from './color.ts'
import { isGateConfigError } from './gate-error.ts'
import {
  evaluateBaseline,
  evaluateThresholds,
  resolveThresholds,
  validateTolerance,
  type GateResult,
  type Threshold,
  type ThresholdOptions,
  type ToleranceOptions,
} from './gates.ts'
import { buildJsonReport, defaultReference, readJsonReport, serializeJsonReport, withGates, writeFileAtomic } from './json-report.ts'
import { renderStepSummary } from './markdown-report.ts'
import { baselineOf, reportFileNames, reportFormats, writeReportFiles, type ReportFormat } from './report-files.ts'
import { acquireRunLock } from './run-lock.ts'
import { renderTerminalReport } from './terminal-report.ts'
import { SharedParts } from './shared-parts.ts'
import { redactDeep } from '../runtime/text/redact-secrets.ts'

export interface AwrrReporterOptions {
  /** Where the report files go, relative to the Vitest root. */
  outputDir: string
  /** Configured strategy order (the project names); others follow, sorted. */
  strategies: string[]
  /** The run's seed, printed and written to the report. */
  seed: number
  /**
   * Colour the terminal output.
   * @default FORCE_COLOR / NO_COLOR, else whether Vitest's output stream is a TTY
   */
  color?: boolean
  /** The strategy every other one is paired with. @default 'B2' */
  reference?: string
  /** Thresholds per strategy or `*`; `AWRR_GATES` in the environment replaces them. @default {} */
  thresholds?: ThresholdOptions
  /** A report to compare against, relative to the root; `AWRR_UPDATE_BASELINE=1` writes it. @default undefined */
  baseline?: string | undefined
  /** Allowed regression per metric against the baseline. @default {} (none) */
  tolerance?: ToleranceOptions
  /** Report files to write. @default ['json', 'markdown', 'csv', 'html'] */
  reports?: readonly ReportFormat[]
  /** Where `AWRR_GATES`, `AWRR_UPDATE_BASELINE` and `GITHUB_STEP_SUMMARY` are read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /**
   * Values to redact from everything this reporter prints or writes (the plugin passes the
   * variables its `env` option allows, read when the run ends, after globalSetup set them).
   * @default () => []
   */
  secrets?: () => readonly string[]
  /** This run's id, written to `report-set.json` and `traces/run.json`. @default a random id */
  runId?: string
  /** Take `<outputDir>/run.lock` for the run, so that two runs never write one directory. @default true */
  lock?: boolean
  /**
   * Scenario files no project ran because their path holds a control character: each fails the
   * run with its path shown escaped. @default []
   */
  refusedFiles?: readonly string[]
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

/**
 * Prints the report and writes the report files at the end of a run, then fails the run when a
 * gate is missed. Thin on purpose: collect -> compute -> render, all the work is in pure
 * functions. Shard runs stay silent; the `--merge-reports` run sees every task and reports once.
 */
export class AwrrReporter implements Reporter {
  readonly #options: AwrrReporterOptions
  readonly #env: Readonly<Record<string, string | undefined>>
  readonly #thresholds: Threshold[]
  readonly #tolerance: ToleranceOptions
  readonly #reports: readonly ReportFormat[]
  #vitest: Vitest | undefined
  readonly #runId: string
  #releaseLock: (() => Promise<void>) | undefined
  #tracesCleared = false
  #shared = new SharedParts()

  /** @throws GateConfigError when a threshold, `AWRR_GATES` or a tolerance cannot be read. */
  constructor(options: AwrrReporterOptions) {
    this.#options = options
    this.#env = options.env ?? process.env
    this.#thresholds = resolveThresholds(options.thresholds ?? {}, this.#env)
    this.#tolerance = validateTolerance(options.tolerance ?? {})
    this.#reports = options.reports ?? reportFormats
    this.#runId = options.runId ?? `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
    for (const format of this.#reports) {
      if (!reportFormats.includes(format)) {
        throw new Error(`[awrr] Unknown report format "${String(format)}" in \`reports\`. Formats: ${reportFormats.join(', ')}.`)
      }
    }
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  /**
   * Takes the run lock on the output directory before any worker writes to it, then gives this
   * run's traces a clean start: the whole `traces/` folder on the first run of the process, the
   * files about to be rewritten on a watch-mode rerun.
   */
  async onTestRunStart(specifications: ReadonlyArray<TestSpecification>): Promise<void> {
    this.#shared = new SharedParts()
    const vitest = this.#vitest
    if (vitest === undefined) return
    const outputDir = resolve(vitest.config.root, this.#options.outputDir)
    const merging = Boolean(vitest.config.mergeReports)
    // A run of other tests only (this repository's own unit tests) writes nothing there.
    const scenarios = specifications.filter((specification) => /\.scenario\.ya?ml$/.test(specification.moduleId))
    if (!merging && scenarios.length === 0) return
    if (this.#options.lock !== false && this.#releaseLock === undefined) this.#releaseLock = await acquireRunLock(outputDir)
    // A --merge-reports run writes reports only; the traces are the shards' own.
    if (merging) return
    const traces = join(outputDir, 'traces')
    if (!this.#tracesCleared) {
      await rm(traces, { recursive: true, force: true })
      await rm(join(outputDir, 'hung'), { recursive: true, force: true })
      this.#tracesCleared = true
    } else {
      for (const specification of scenarios) {
        const file = relative(vitest.config.root, specification.moduleId).split(sep).join('/')
        await rm(join(traces, specification.project.name, traceFileName(file)), { force: true })
      }
    }
    await mkdir(traces, { recursive: true })
    await writeFile(join(traces, 'run.json'), JSON.stringify({ run: this.#runId }) + '\n')
  }

  /**
   * Vitest keeps each test's meta until the run ends: the summary's repeating parts are kept once
   * (`shared-parts.ts`), about 1 KB less per task run in the main process.
   */
  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta()
    if (meta.awrr) meta.awrr = this.#shared.share(meta.awrr)
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): Promise<void> {
    try {
      await this.#report(testModules, unhandledErrors, reason)
    } finally {
      const release = this.#releaseLock
      this.#releaseLock = undefined
      await release?.()
    }
  }

  async #report(
    testModules: ReadonlyArray<TestModule>,
    _unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): Promise<void> {
    const vitest = this.#vitest
    // A shard sees part of the tasks: gates and reports wait for `--merge-reports`.
    if (vitest === undefined || vitest.config.shard !== undefined) return
    // An interrupted run has only part of the tasks; keep the last complete report instead.
    if (reason === 'interrupted') return

    const root = vitest.config.root
    const outputDir = resolve(root, this.#options.outputDir)
    const collected = collectTaskSummaries(testModules)
    // Tasks the watchdog ended never reached Vitest: their summaries are in its sidecar files.
    const reported = new Set(collected.map(recoveredKey))
    const recovered = vitest.config.mergeReports ? [] : readHungSummaries(outputDir).filter((summary) => !reported.has(recoveredKey(summary)))
    const summaries = [...collected, ...recovered]
    const incomplete = findIncompleteModules(testModules, root, new Set(recovered.map(recoveredKey)))
    const refused = (this.#options.refusedFiles ?? []).map(describeRefusedFile)
    if (summaries.length === 0 && incomplete.length === 0) {
      for (const problem of refused) vitest.logger.error(problem)
      if (refused.length > 0) process.exitCode = 1
      return
    }

    const { seed, strategies } = this.#options
    const measured = buildJsonReport({ seed, strategies, summaries, reference: this.#options.reference ?? defaultReference })
    const gates: GateResult[] = evaluateThresholds(this.#thresholds, measured)
    const updateBaseline = isOn(this.#env['AWRR_UPDATE_BASELINE'])
    const baselinePath = this.#options.baseline
    const problems: string[] = []

    if (baselinePath !== undefined && !updateBaseline) {
      try {
        const baseline = await readJsonReport(resolve(root, baselinePath))
        gates.push(...evaluateBaseline(baseline, measured, this.#tolerance))
      } catch (error) {
        if (!isGateConfigError(error)) throw error
        problems.push(`${error.message} Write one with AWRR_UPDATE_BASELINE=1, or remove the \`baseline\` option.`)
      }
    }
    for (const duplicate of findDuplicateScenarioNames(summaries)) problems.push(describeDuplicate(duplicate))
    problems.push(...refused)
    // Worker summaries arrive redacted already; this also covers what the main process adds.
    const secrets = this.#options.secrets?.() ?? []
    const report = redactDeep(incomplete.length === 0 ? withGates(measured, gates) : { ...withGates(measured, gates), incomplete }, secrets)

    const color = this.#options.color ?? defaultColor(vitest)
    vitest.logger.log('')
    vitest.logger.log(renderTerminalReport(report, { color, baselinePath }))
    // Problems and paths carry file and scenario names: printed with their control characters escaped.
    for (const problem of problems) vitest.logger.error(printable(problem))
    if (incomplete.length > 0) {
      vitest.logger.error(`[awrr] Incomplete run: ${incomplete.length} module(s) did not report all their tasks (a worker crashed or was ended); the figures leave those tasks out:`)
      for (const entry of incomplete) vitest.logger.error(printable(`  INCOMPLETE  ${describeIncomplete(entry)}`))
    }
    await writeReportFiles(outputDir, report, this.#reports, { runId: this.#runId })
    if (this.#reports.length > 0) {
      const where = relative(root, outputDir) || '.'
      vitest.logger.log(printable(`Reports: ${this.#reports.map((format) => `${where}/${reportFileNames[format]}`).join(', ')}`))
    }

    const stepSummary = this.#env['GITHUB_STEP_SUMMARY']
    if (stepSummary) await appendFile(stepSummary, renderStepSummary(report) + '\n', 'utf8')

    if (updateBaseline) {
      const target = resolve(root, baselinePath ?? `${this.#options.outputDir}/baseline.json`)
      const written = await writeFileAtomic(dirname(target), basename(target), serializeJsonReport(baselineOf(report)))
      vitest.logger.log(
        printable(
          `Baseline written to ${relative(root, written)}` +
            (baselinePath === undefined ? `; set \`baseline: '${relative(root, written)}'\` in awrr() to gate on it.` : '.'),
        ),
      )
    }

    if (problems.length > 0 || incomplete.length > 0 || gates.some((gate) => !gate.pass)) process.exitCode = 1
  }
}

function describeRefusedFile(file: string): string {
  return (
    `[awrr] Scenario file "${escapeControlCharacters(file, { singleLine: true })}" was not run: its path holds a control character ` +
    '(shown escaped here), which Vitest would print raw to the terminal. Rename the file.'
  )
}

/** A line for the terminal: control characters from names shown as escapes, line breaks kept. */
const printable = (text: string) => escapeControlCharacters(text)

function defaultColor(vitest: Vitest): boolean {
  const stream = vitest.logger.outputStream
  return shouldUseColor({ env: process.env, isTTY: 'isTTY' in stream && stream.isTTY === true })
}
