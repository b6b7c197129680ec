import { resolve } from 'node:path'
import type { Reporter, TestModule, TestRunEndReason, Vitest } from 'vitest/node'
import { collectTaskSummaries } from './collect.ts'
import { shouldUseColor } from './color.ts'
import { buildJsonReport, writeJsonReport } from './json-report.ts'
import { renderLeaderboard } from './leaderboard.ts'
import { computeStrategyMetrics, groupByStrategy } from './metrics.ts'

export interface AwrrReporterOptions {
  /** Where `report.json` goes, relative to the Vitest root. */
  outputDir: string
  /** Configured strategy order (the project names); others follow, sorted. */
  strategies: string[]
  /** The run's seed, printed and written to the report. */
  seed: number
  /**
   * Colour the leaderboard.
   * @default FORCE_COLOR / NO_COLOR, else whether Vitest's output stream is a TTY
   */
  color?: boolean
}

/**
 * Prints the leaderboard and writes `report.json` at the end of a run. Thin on purpose:
 * collect -> compute -> render, all the work is in pure functions. Shard runs stay silent; the
 * `--merge-reports` run sees every task and reports once.
 */
export class AwrrReporter implements Reporter {
  readonly #options: AwrrReporterOptions
  #vitest: Vitest | undefined

  constructor(options: AwrrReporterOptions) {
    this.#options = options
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    _unhandledErrors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): Promise<void> {
    const vitest = this.#vitest
    if (vitest === undefined || vitest.config.shard !== undefined) return
    // An interrupted run has only part of the tasks; keep the last complete report instead.
    if (reason === 'interrupted') return

    const summaries = collectTaskSummaries(testModules)
    if (summaries.length === 0) return

    const { seed, strategies } = this.#options
    const rows = [...groupByStrategy(summaries, strategies)].map(([strategy, tasks]) => ({
      strategy,
      metrics: computeStrategyMetrics(tasks),
    }))
    const color = this.#options.color ?? defaultColor(vitest)
    const distinctTasks = new Set(summaries.map((s) => `${s.scenario}\0${s.id}`)).size

    vitest.logger.log('')
    vitest.logger.log(`AWRR leaderboard (seed ${seed}, ${distinctTasks} tasks)`)
    vitest.logger.log(renderLeaderboard(rows, { color }))

    const report = buildJsonReport({ seed, strategies, summaries })
    await writeJsonReport(resolve(vitest.config.root, this.#options.outputDir), report)
  }
}

function defaultColor(vitest: Vitest): boolean {
  const stream = vitest.logger.outputStream
  return shouldUseColor({ env: process.env, isTTY: 'isTTY' in stream && stream.isTTY === true })
}
