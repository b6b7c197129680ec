import { readFileSync } from 'node:fs'
import path from 'node:path'
import timers from 'node:timers'
import { afterAll, describe, inject, test } from 'vitest'
import { loadAgent, runAgentTask, type AgentRun } from '../agents/run-agent.ts'
import { runTask } from '../executor/run-task.ts'
import type { TraceEvent } from '../executor/trace-events.ts'
import { describeTaskOutcome, type TaskSummary } from '../executor/task-summary.ts'
import { hashSeed } from '../random.ts'
import { TraceFile } from './trace-file.ts'
import { replayCommand } from './replay-command.ts'
import { hasSecrets, redactDeep, redactError } from '../text/redact-secrets.ts'
import { printableLine } from '../text/control-characters.ts'
import { escapedCodeFrame } from '../text/code-frame.ts'
import { hungSummary, underWatchdog, type WatchedTask } from './watchdog.ts'
import { defaultExecutorOptions } from '../executor/executor-options.ts'
import { traceFileName } from './trace-name.ts'
import { generateTasks } from '../scenario/generate-tasks.ts'
import type { GenerateSpec } from '../scenario/schema.ts'
import type { TaskSpec } from '../scenario/task-spec.ts'
import { resolveStrategy } from '../strategies/resolve-strategy.ts'
import type { RecoveryStrategy } from '../strategies/recovery-strategy.ts'
import { ensureToolServer } from '../interception/index.ts'
import type { RunConfig } from './run-config.ts'
import { answersFromCassette, cassetteModeOf, type CassetteOptions } from '../cassettes/index.ts'
import { allowedEnvVars } from '../http/env-interpolation.ts'

/** Imports a user module by file URL; the generated test module passes its own `import`. */
export type ModuleImporter = (id: string) => Promise<unknown>

/** Where in the YAML a test or a check lives, for error locations. */
export interface SourcePosition {
  line: number
  column: number
}

/** What the plugin's transform embeds in a scenario's test module. Plain JSON. */
export type ScenarioModule =
  | {
      kind: 'tasks'
      name: string
      /** Project-relative path (for replay commands) and absolute path (for stack frames). */
      file: string
      absoluteFile: string
      seed: number | undefined
      tasks: TaskSpec[]
      expectPositions: Record<string, SourcePosition>
      /** The scenario's own `repeats:`. */
      repeats?: number
    }
  | {
      kind: 'generate'
      name: string
      file: string
      absoluteFile: string
      seed: number | undefined
      generate: GenerateSpec
      expectPositions: Record<string, SourcePosition>
      /** The scenario's own `repeats:`. */
      repeats?: number
    }

declare module 'vitest' {
  interface ProvidedContext {
    'awrr:config': RunConfig
    'awrr:strategy': string
    /** A reporter prints a line per test: annotate each with the task's outcome. */
    'awrr:annotate': boolean
    /** Set in the project that runs the user's own root-level tests (its name). */
    'awrr:user-tests': string
  }
}

/**
 * An error whose only stack frame is the YAML line it is about, so Vitest shows that code frame.
 * Vitest prints the file's lines raw: near a control character the error brings its own escaped
 * frame instead, and no stack frame into the file.
 */
function errorAt(message: string, file: string, position: SourcePosition | undefined): Error {
  const error = new Error(message)
  error.name = 'AwrrExpectationError'
  if (!position) return error
  let codeFrame: string | undefined
  try {
    codeFrame = escapedCodeFrame(readFileSync(file, 'utf8'), position.line, position.column)
  } catch {
    // Unreadable now: Vitest cannot read it for a frame either.
  }
  if (codeFrame === undefined) error.stack = `${error.name}: ${message}\n    at ${file}:${position.line}:${position.column}`
  else Object.assign(error, { codeFrame, stack: `${error.name}: ${message}` })
  return error
}

// Node's own setImmediate, taken before any test can install fake timers: a suite whose setup
// fakes the global one would otherwise wait forever here.
const realSetImmediate = timers.setImmediate
const yieldToEventLoop = () => new Promise<void>((resolve) => realSetImmediate(resolve))

/**
 * Declares one Vitest suite per scenario file and one test per task. Called by the generated module
 * of each `*.scenario.yaml`; `taskAt` is called from the line that maps back to the task's YAML.
 */
export function openScenarioSuite(module: ScenarioModule, importModule: ModuleImporter = (id) => import(id)) {
  const config = inject('awrr:config')
  const strategyName = inject('awrr:strategy')
  const annotate = inject('awrr:annotate') === true
  const seed = module.seed ?? config.seed
  const tasks = module.kind === 'tasks' ? module.tasks : generateTasks(module.generate, module.generate.seed ?? seed)
  const tracePath = path.posix.join(config.outputDirRelative, 'traces', strategyName, traceFileName(module.file))
  const traceFile = new TraceFile(path.join(config.root, tracePath))
  let strategy: Promise<RecoveryStrategy> | undefined
  let agent: Promise<AgentRun> | undefined
  const agentRef = config.agentModules.find((candidate) => candidate.name === strategyName)

  const repeats = module.repeats ?? config.repeats ?? 1
  const cleanRun = config.cleanRun ?? 'suites'
  // A replay against a real service would repeat its real side effects: only built-in worlds replay.
  const wantsCleanRun = (task: TaskSpec): boolean =>
    cleanRun !== 'never' &&
    (cleanRun === 'always' || module.kind === 'generate') &&
    task.tools === undefined &&
    task.success?.http === undefined &&
    task.faults.length > 0

  /** The cassette a task's model endpoint answers from: beside the scenario unless it names one. */
  const cassetteOf = (task: TaskSpec): Omit<CassetteOptions, 'fetchReal' | 'episode' | 'plan'> | undefined => {
    if (!task.llm || !answersFromCassette(task.llm)) return undefined
    const written = task.llm.cassette ?? `${path.posix.basename(module.file).replace(/\.scenario\.ya?ml$/, '')}.cassette.json`
    const displayFile = path.posix.normalize(path.posix.join(path.posix.dirname(module.file), written.replaceAll('\\', '/')))
    if (path.posix.isAbsolute(written) || displayFile === '..' || displayFile.startsWith('../')) {
      throw new Error(`[awrr] The cassette "${written}" of ${module.file} is outside the project root; name a file beside the scenario or in a folder below it.`)
    }
    return { file: path.join(config.root, displayFile), displayFile, scenarioFile: module.file, mode: cassetteModeOf(task.llm.record), envVars: allowedEnvVars(config.env ?? []) }
  }

  const runOne = async (task: TaskSpec, repeat: number, harnessErrors: string[] = []): Promise<TaskSummary> => {
    // A task on the virtual clock runs start to end in microtasks. Until the event loop turns, V8
    // keeps alive every object a WeakRef was made for in the meantime (undici makes several per
    // fetch), so a file of tasks that never yields holds every request it made: about 200 KB a task.
    await yieldToEventLoop()
    ensureToolServer()
    const lines: string[] = []
    const common = {
      task,
      scenario: module.name,
      file: module.file,
      // Each trial of a repeated task draws its faults anew, reproducibly.
      seed: repeat === 0 ? seed : hashSeed(seed, 'repeat', repeat),
      batch: Math.floor(task.index / config.batchSize),
      // A value filled in from the environment is a secret: never written to a trace.
      trace: { emit: (event: TraceEvent) => void lines.push(JSON.stringify(hasSecrets() ? redactDeep(event) : event)) },
      tracePath,
    }
    // Code that never yields (an endless loop in decide() or in an agent) stops this thread's timers,
    // so AWRR's own limits cannot fire: a watchdog on another thread ends the worker and records the
    // task as failed with the reason. Its limit is the one the task's code is already held to.
    const hungReason = agentRef ? 'agent_hung' : 'strategy_hung'
    const limitMs = agentRef ? (agentRef.timeoutMs ?? 30_000) : (config.executor.decisionTimeoutMs ?? defaultExecutorOptions.decisionTimeoutMs)
    const hung = hungSummary(
      { id: task.id, scenario: module.name, file: module.file, strategy: strategyName, seed: common.seed, index: task.index, batch: common.batch, trace: tracePath, steps: task.workflow?.length ?? 0, ...(repeats > 1 ? { repeat } : {}) },
      hungReason,
    )
    const watched: WatchedTask = {
      limitMs,
      hungSummary: hung,
      sidecarPath: path.join(config.root, config.outputDirRelative, 'hung', strategyName, `${hashSeed(seed, module.file, task.id, repeat).toString(16)}.json`),
      tracePath: path.join(config.root, tracePath),
      traceEvents: [
        { type: 'task:start', task: task.id, scenario: module.name, strategy: strategyName, seed: common.seed, at: 0 },
        { type: 'task:error', where: agentRef ? 'agent' : 'strategy', message: `blocked its thread for more than ${limitMs} ms`, at: 0 },
        { type: 'task:final', outcome: 'failed', reason: hungReason, consistent: false, at: 0 },
      ],
    }
    const summary = await underWatchdog(watched, () => runCode(task, repeat, common, harnessErrors))
    traceFile.write(lines.join('\n') + '\n')
    const part = module.kind === 'generate' ? module.generate.part : undefined
    return redactDeep({ ...summary, ...(repeats > 1 ? { repeat } : {}), ...(part === undefined ? {} : { part }) })
  }

  const runCode = async (task: TaskSpec, repeat: number, common: Omit<Parameters<typeof runTask>[0], 'strategy' | 'options' | 'runId'>, harnessErrors: string[]): Promise<TaskSummary> => {
    let summary: TaskSummary
    if (agentRef) {
      agent ??= loadAgent(agentRef.module, importModule)
      summary = await runAgentTask({
        ...common,
        agentName: strategyName,
        repeat,
        run: await agent,
        ...(agentRef.timeoutMs === undefined ? {} : { timeoutMs: agentRef.timeoutMs }),
        ...(config.prices ? { prices: config.prices } : {}),
        ...(cassetteOf(task) ? { cassette: cassetteOf(task)! } : {}),
        harnessErrors,
      })
    } else {
      strategy ??= resolveStrategy(strategyName, config, importModule)
      const runId = config.runId === undefined ? {} : { runId: config.runId }
      summary = await runTask({ ...common, strategy: await strategy, options: config.executor, ...runId })
      if (wantsCleanRun(task)) {
        // The same task with the faults off, after the real run so that nothing it does can
        // change the real one; its trace is not kept (the trace file holds one run per task).
        const clean = await runTask({ ...common, ...runId, trace: { emit: () => {} }, strategy: await strategy, options: config.executor, clean: true })
        summary = { ...summary, clean: clean.outcome }
      }
    }
    return summary
  }

  return {
    describe(body: () => void): void {
      // Vitest prints suite and test names as they are: a task id or a file name holding ESC, a
      // lone CR or a bidi override would reach the terminal raw. They get their printable form.
      describe(printableLine(module.name), () => {
        body()
        afterAll(() => traceFile.close())
      })
    },
    /** Declares the test of task `index`. */
    taskAt(index: number): void {
      const task = tasks[index]
      if (!task) throw new Error(`[awrr] Scenario ${module.file} has no task ${index}.`)
      // Agents run the scenarios that have an input; strategies run the ones with a workflow. The
      // plugin keeps each kind of file out of the other kind's projects; this only catches a file
      // that changed kind during a watch session.
      if ((task.input !== undefined) !== (agentRef !== undefined)) {
        test.skip(printableLine(task.id), () => {})
        return
      }
      for (let repeat = 0; repeat < repeats; repeat++) this.trialOf(task, repeat, repeats > 1 ? `${task.id} #${repeat + 1}` : task.id)
    },
    trialOf(task: TaskSpec, repeat: number, trialName: string): void {
      const testName = printableLine(trialName)
      test(testName, async (context) => {
        let summary: TaskSummary
        const harnessErrors: string[] = []
        try {
          summary = await runOne(task, repeat, harnessErrors)
        } catch (error) {
          // Vitest prints and serialises a thrown error whole (a URL error carries the URL).
          throw redactError(error)
        }
        context.task.meta.awrr = summary
        if (annotate) await context.annotate(describeTaskOutcome(summary), 'awrr')
        // Secrets stay out: the messages name the request by method and URL as written.
        if (harnessErrors.length > 0) throw redactError(new Error([...new Set(harnessErrors)].join('\n')))
        const expected = task.expect?.[strategyName]
        if (expected !== undefined && expected !== summary.outcome) {
          const [file, suiteName] = [printableLine(module.file), printableLine(module.name)]
          throw errorAt(
            `[awrr] Expectation failed in "${file}" for task "${suiteName} > ${testName}" under ${strategyName}: ` +
              `expected outcome ${expected}, got ${summary.outcome} (${summary.reason}).\n` +
              `seed ${seed}, scenario ${file}, task ${printableLine(task.id)}, strategy ${strategyName} -- rerun:\n` +
              `  ${replayCommand({ seed, file: module.file, project: strategyName, suiteName, testName })}`,
            module.absoluteFile,
            module.expectPositions[strategyName],
          )
        }
      })
    },
    /** Declares every task's test (generated suites: one YAML line for all of them). */
    allTasks(): void {
      for (let index = 0; index < tasks.length; index++) this.taskAt(index)
    },
  }
}

declare module 'vitest' {
  interface TaskMeta {
    awrr?: TaskSummary
  }
}
