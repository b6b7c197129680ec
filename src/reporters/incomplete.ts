import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import type { TestModule } from 'vitest/node'
import type { TaskSummary } from '../runtime/executor/task-summary.ts'
import type {} from './task-meta.ts'
import { printableLine } from '../runtime/text/control-characters.ts'

/** A test module of a project that did not report all its tasks: its worker crashed or was ended. */
export interface IncompleteModule {
  strategy: string
  /** Project-relative, forward slashes. */
  file: string
  /** Tests of the module that never gave a summary. */
  missing: number
  /** What Vitest said, when it said something (its first error, one line). */
  error: string | null
}

const isLoadError = (error: { name?: string; message?: string }) =>
  error.name === 'AwrrScenarioError' || (error.message ?? '').startsWith('[awrr] Failed to load scenario')

/**
 * The modules whose tasks did not all report: a test that ran (not skipped) without a summary, or
 * a module that failed for another reason than a bad scenario file (a bad file is its own, already
 * reported, failure). Known only in the main process, which sees every module; a crashed worker's
 * module has no way to say so itself.
 */
export function findIncompleteModules(testModules: ReadonlyArray<TestModule>, root: string, recovered: ReadonlySet<string> = new Set()): IncompleteModule[] {
  const incomplete: IncompleteModule[] = []
  for (const testModule of testModules) {
    const file = relative(root, testModule.moduleId).split(sep).join('/')
    const strategy = testModule.project.name
    let missing = 0
    let isAwrrModule = false
    for (const testCase of testModule.children.allTests()) {
      if (testCase.meta().awrr !== undefined) {
        isAwrrModule = true
        continue
      }
      const state = testCase.result().state
      if (state === 'skipped' || state === 'passed') continue
      if (recovered.has(`${strategy}\u0000${file}\u0000${testCase.name}`)) continue
      missing++
    }
    const errors = testModule.errors().filter((error) => !isLoadError(error))
    const scenarioModule = isAwrrModule || /\.scenario\.ya?ml$/.test(file)
    // A module whose worker died before it finished never leaves the queued or pending state.
    const state = testModule.state()
    const unfinished = state === 'queued' || state === 'pending'
    if (!scenarioModule || (missing === 0 && errors.length === 0 && !unfinished)) continue
    const first = errors[0]?.message?.split('\n')[0]?.slice(0, 300) ?? (unfinished ? 'its worker ended before the module finished' : null)
    incomplete.push({ strategy, file, missing, error: first })
  }
  return incomplete.sort((a, b) => a.strategy.localeCompare(b.strategy) || a.file.localeCompare(b.file))
}

/**
 * The summaries the watchdog wrote for tasks it ended (`<outputDir>/hung/<strategy>/*.json`): they
 * never reached Vitest, whose worker was gone.
 */
export function readHungSummaries(outputDir: string): TaskSummary[] {
  const summaries: TaskSummary[] = []
  const hungDir = join(outputDir, 'hung')
  let strategies: string[]
  try {
    strategies = readdirSync(hungDir).sort()
  } catch {
    return []
  }
  for (const strategy of strategies) {
    for (const name of readdirSync(join(hungDir, strategy)).sort()) {
      try {
        summaries.push(JSON.parse(readFileSync(join(hungDir, strategy, name), 'utf8')) as TaskSummary)
      } catch {
        // Cut off mid-write: the module is reported incomplete anyway.
      }
    }
  }
  return summaries
}

/** The key `findIncompleteModules` matches a recovered (hung) task's test by. */
export function recoveredKey(summary: TaskSummary): string {
  const testName = summary.repeat === undefined ? summary.id : `${summary.id} #${summary.repeat + 1}`
  // The test's name as Vitest has it: the scenario suite names tests in their printable form.
  return `${summary.strategy}\u0000${summary.file}\u0000${printableLine(testName)}`
}

/** One line per module, for the terminal and the Markdown report. */
export function describeIncomplete(entry: IncompleteModule): string {
  const parts = [entry.missing === 0 ? '' : entry.missing === 1 ? '1 task never reported' : `${entry.missing} tasks never reported`, entry.error ?? '']
  return `${entry.strategy}: ${entry.file}: ${parts.filter(Boolean).join('; ') || 'did not finish'}`
}
