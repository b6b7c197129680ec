import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import type { TestProjectInlineConfiguration } from 'vitest/config'
import { AwrrReporter } from '../reporters/awrr-reporter.ts'
import type { ThresholdOptions, ToleranceOptions } from '../reporters/gates.ts'
import type { ReportFormat } from '../reporters/report-files.ts'
import type { ExecutorOptions } from '../runtime/executor/executor-options.ts'
import type { RunConfig, StrategyModuleRef } from '../runtime/vitest/run-config.ts'
import { escapeControlCharacters } from '../runtime/text/control-characters.ts'
import { allowedEnvValues, validateEnvAllowList } from '../runtime/http/env-interpolation.ts'
import { compileScenario, refusedScenarioModule, type CompiledModule } from './compile-scenario.ts'
import { exactPatterns, findScenarioKinds, findUnprintableScenarioFiles, vitestDefaultExclude } from './scenario-kinds.ts'
import { stopStartedServices } from './start-once.ts'
import { assertSafeName, resolveOutputDir, scenarioLeavesRoot } from './option-paths.ts'

export type StrategyModuleOption =
  | {
      name: string
      /** Path to a module exporting a `RecoveryStrategy`, relative to the project root. */
      module: string
      /** Run the saga stack when a task gives up. @default the strategy's own choice */
      saga?: boolean
      /** Check every answer with a read-after-write before accepting it. @default the strategy's own choice */
      verify?: boolean
    }
  | {
      /** A variant of a built-in strategy under its own name, e.g. `{ name: 'B2-nosaga', strategy: 'B2', saga: false }`. */
      name: string
      strategy: string
      saga?: boolean
      /** Read-after-write verification, e.g. `{ name: 'B2-verify', strategy: 'B2', verify: true }`. */
      verify?: boolean
    }

export interface AgentOption {
  /** Project name on the leaderboard, e.g. `shop-v1`. */
  name: string
  /** Path to a module exporting `run(ctx)`, relative to the project root. */
  module: string
  /** Wall-clock limit per task before the agent counts as hung. @default 30000 */
  timeoutMs?: number
}

export interface AwrrOptions {
  /**
   * Strategies to run, each as its own Vitest project: built-in names or user modules.
   * @default ['B0', 'B1', 'B2', 'STD', 'B3', 'B4', 'ORACLE']
   */
  strategies?: (string | StrategyModuleOption)[]
  /** Scenario files. @default ['scenarios/**\/*.scenario.yaml'] */
  include?: string[]
  /** Seed of the run; `AWRR_SEED` in the environment wins. @default 42 */
  seed?: number
  /** Where reports and traces go, relative to the root. @default '.awrr' */
  outputDir?: string
  /**
   * Environment variables scenarios may read as `${env.NAME}`: names, or prefixes ending in `*`
   * (`['SHOP_URL', 'SHOP_*']`). Any other reference is a load error. Every value read is treated
   * as a secret and redacted from every output. @default [] (scenarios read nothing)
   */
  env?: string[]
  /** Accept an `outputDir` outside the project root (`../elsewhere`, an absolute path). @default false */
  allowOutsideRoot?: boolean
  /** Learning-curve batch size, in tasks. @default 10 */
  batchSize?: number
  /**
   * Run each scenario file in a fresh module graph. Off by default: AWRR's modules keep no state
   * between files, and isolation multiplies start-up cost by the number of files.
   * @default false
   */
  isolate?: boolean
  /** Executor limits: per-attempt deadline, budgets, loop guard, saga on or off. */
  executor?: ExecutorOptions
  /**
   * Your own agents, each a Vitest project beside the strategies; an agent project runs the
   * scenarios that have an `input:`. @default []
   */
  agents?: AgentOption[]
  /**
   * Memory bank of learning strategies (B4). `fresh`: each scenario file starts empty and learns in
   * task order. `persist`: start from `<outputDir>/memory/<strategy>.json` as the previous run left
   * it, and merge this run's updates into it. @default 'fresh'
   */
  memory?: 'fresh' | 'persist'
  /**
   * Gates: thresholds per strategy, or `*` for every strategy, as `'<op> <number>'` with op one of
   * `>= <= > < ==`. A missed gate fails the run. `AWRR_GATES='B4.srr>=0.95,*.uar<=0'` in the
   * environment replaces them. @default {}
   */
  thresholds?: ThresholdOptions
  /**
   * A report.json to compare against, relative to the root: every metric with a direction must be
   * no worse than there, beyond `tolerance`. `AWRR_UPDATE_BASELINE=1` writes it from the run.
   * @default undefined (no baseline gate)
   */
  baseline?: string | undefined
  /** Allowed regression against the baseline per metric (or `*`), e.g. `{ wcr: 0.02 }`. @default {} */
  tolerance?: ToleranceOptions
  /** The strategy the others are paired with (WCR difference, McNemar's test). @default 'B2' */
  reference?: string
  /** Report files written to `outputDir`. @default ['json', 'markdown', 'csv', 'html'] */
  reports?: ReportFormat[]
  /** Runs of every task per strategy, for pass^k; a scenario's `repeats:` wins. @default 1 */
  repeats?: number
  /**
   * Model prices in US dollars per million tokens, by the model name the agent sends, for the
   * `cost_usd` metric: `{ 'gpt-4o-mini': { input: 0.15, output: 0.6 } }`. A task that used a model
   * with no price has no cost (`-`), never a partial one. @default {} (no cost is computed)
   */
  prices?: Record<string, { input: number; output: number }>
  /**
   * The clean run: each task again with its faults switched off, for `clean_wcr` and `delta_wcr`.
   * `suites`: the tasks of `generate:` suites; `always`: every task on the built-in world; `never`.
   * Tasks with real tools or an HTTP success check are never replayed (their side effects are real).
   * @default 'suites'
   */
  cleanRun?: 'suites' | 'always' | 'never'
}

export type ResolvedAwrrOptions = Required<Omit<AwrrOptions, 'strategies'>> & { strategies: (string | StrategyModuleOption)[] }

export const defaultAwrrOptions: ResolvedAwrrOptions = {
  strategies: ['B0', 'B1', 'B2', 'STD', 'B3', 'B4', 'ORACLE'],
  include: ['scenarios/**/*.scenario.yaml'],
  seed: 42,
  outputDir: '.awrr',
  env: [],
  allowOutsideRoot: false,
  batchSize: 10,
  executor: {},
  agents: [],
  isolate: false,
  memory: 'fresh',
  thresholds: {},
  baseline: undefined,
  tolerance: {},
  reference: 'B2',
  reports: ['json', 'markdown', 'csv', 'html'],
  repeats: 1,
  prices: {},
  cleanRun: 'suites',
}

/** Prices must be finite, non-negative numbers: a typo would otherwise turn every cost into NaN. */
export function validatePrices(prices: Record<string, { input: number; output: number }>): void {
  for (const [model, price] of Object.entries(prices)) {
    for (const side of ['input', 'output'] as const) {
      const value = (price as Record<string, unknown> | undefined)?.[side]
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error(`[awrr] Option prices["${model}"].${side} must be a non-negative number of US dollars per million tokens (got ${JSON.stringify(value)}).`)
      }
    }
  }
}

const scenarioFile = /\.scenario\.ya?ml$/
const ownExtension = path.extname(fileURLToPath(import.meta.url))
const suiteModulePath = fileURLToPath(new URL(`../runtime/vitest/scenario-suite${ownExtension}`, import.meta.url))
const runtimeDirectory = fileURLToPath(new URL('../runtime/', import.meta.url))
/**
 * Compiled, the runtime is plain ESM that Node imports itself: Vitest need not transform it for
 * every project's module graph, as it already does not for a copy installed in node_modules. (The
 * TypeScript sources, which only this repository runs, still go through Vite.)
 */
const runtimeExternal = ownExtension === '.js' ? [new RegExp(`^${runtimeDirectory.replaceAll('\\', '/').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)] : []

/** Vitest's test timeout for a strategy's task, unless the user sets one: a net for a true hang. */
const strategyTestTimeoutMs = 600_000
/** The longest a success check may wait (`success.http.timeout_ms` is at most this). */
const maxSuccessCheckMs = 120_000
/** Timers take at most a signed 32-bit delay; Node turns anything else into 1 ms. */
const maxTimerMs = 2_147_483_647

/** Executor limits are counts and delays: whole numbers in range, or the run refuses to start. */
export function validateExecutorOptions(executor: ExecutorOptions): void {
  const ranges: [keyof ExecutorOptions, number, number][] = [
    ['attemptTimeoutMs', 1, maxTimerMs],
    ['decisionTimeoutMs', 1, maxTimerMs],
    ['maxToolCalls', 1, 1_000_000],
    ['maxVirtualMs', 1, Number.MAX_SAFE_INTEGER],
    ['maxTokens', 1, Number.MAX_SAFE_INTEGER],
    ['loopGuard', 1, 1_000_000],
    ['compensationAttempts', 1, 1_000],
  ]
  for (const [key, min, max] of ranges) {
    const value = executor[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`[awrr] executor.${key} must be a whole number from ${min} to ${max} (got ${String(value)}).`)
    }
  }
  if (executor.saga !== undefined && typeof executor.saga !== 'boolean') throw new Error(`[awrr] executor.saga must be true or false (got ${String(executor.saga)}).`)
}

export function resolveSeed(configured: number, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env['AWRR_SEED']
  if (fromEnv === undefined || fromEnv === '') return configured
  const seed = Number(fromEnv)
  if (!Number.isSafeInteger(seed)) throw new Error(`[awrr] AWRR_SEED must be an integer (got "${fromEnv}").`)
  return seed
}

/** Module paths from the options must stay inside the project: no `../../elsewhere`. */
export function resolveInsideRoot(root: string, relative: string, what: string): string {
  const resolvedPath = path.resolve(root, relative)
  const inside = path.relative(root, resolvedPath)
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new Error(`[awrr] The ${what} module "${relative}" resolves outside the project root ${root}; keep modules inside the project.`)
  }
  return resolvedPath
}

/** The parts of the user's `test` config the plugin reads. */
interface UserTestConfig {
  name?: string
  dir?: string
  include?: string[]
  exclude?: string[]
  projects?: unknown[]
  provide?: Record<string, unknown>
  testTimeout?: unknown
  maxWorkers?: unknown
}

/** Vitest's reporters that print one line per test, where AWRR adds the task's outcome. */
function listsEveryTest(reporters: readonly unknown[]): boolean {
  return reporters.some((reporter) => {
    const name = Array.isArray(reporter) ? reporter[0] : typeof reporter === 'string' ? reporter : (reporter as object | null)?.constructor?.name
    return name === 'verbose' || name === 'tree' || name === 'VerboseReporter' || name === 'TreeReporter'
  })
}

/** Marks the project that runs the user's root-level tests, so that its config is left alone. */
const userTestsMarker = 'awrr:user-tests'

/** The user's root-level tests keep their root `test.name`, or are called `tests`. */
export function userTestsProjectName(rootName: string | undefined): string {
  return rootName === undefined || rootName === '' ? 'tests' : rootName
}

const strategyNameOf = (strategy: string | StrategyModuleOption) => (typeof strategy === 'string' ? strategy : strategy.name)

/**
 * The AWRR Vite plugin: scenario files become test modules, every strategy becomes a Vitest
 * project of the same name, and the AWRR reporter is added in `configureVitest` so that
 * `--reporter=...` on the command line does not remove it.
 */
export function awrr(options: AwrrOptions = {}): Plugin {
  const resolved: ResolvedAwrrOptions = { ...defaultAwrrOptions, ...options }
  const seed = resolveSeed(resolved.seed)
  validateExecutorOptions(resolved.executor)
  // Every trial is a test: the same bound as a scenario's own `repeats:`.
  if (!Number.isInteger(resolved.repeats) || resolved.repeats < 1 || resolved.repeats > 1_000) {
    throw new Error(`[awrr] repeats must be a whole number from 1 to 1000 (got ${String(resolved.repeats)}).`)
  }
  validateEnvAllowList(resolved.env)
  validatePrices(resolved.prices)
  const strategyNames = resolved.strategies.map(strategyNameOf)
  for (const name of strategyNames) assertSafeName(name, 'strategy')
  for (const agent of resolved.agents) assertSafeName(agent.name, 'agent')
  const projectNames = [...strategyNames, ...resolved.agents.map((agent) => agent.name)]
  const agentTimeouts = new Map(resolved.agents.map((agent) => [agent.name, agent.timeoutMs ?? 30_000]))
  const duplicate = projectNames.find((name, index) => projectNames.indexOf(name) !== index)
  if (duplicate !== undefined) throw new Error(`[awrr] Two strategies or agents are named "${duplicate}"; project names must be unique.`)
  let root = process.cwd()
  /** Scenario files whose real path leaves the root, by the path they were asked for: never read. */
  const refused = new Map<string, CompiledModule>()
  // One id for every worker of this run: a persisted memory bank keeps this run's updates apart,
  // Idempotency-Keys sent to real services differ from the previous run's, and the report set and
  // the traces name the run they belong to. Random, so two runs started at once differ too.
  const runId = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`

  const runConfig = (): RunConfig => ({
    root,
    outputDirRelative: resolveOutputDir(root, resolved.outputDir, resolved.allowOutsideRoot),
    seed,
    batchSize: resolved.batchSize,
    executor: resolved.executor,
    strategyModules: resolved.strategies
      .filter((strategy): strategy is StrategyModuleOption => typeof strategy !== 'string')
      .map((strategy): StrategyModuleRef => ({
        name: strategy.name,
        ...('module' in strategy ? { module: resolveInsideRoot(root, strategy.module, 'strategy') } : { base: strategy.strategy }),
        ...(strategy.saga === undefined ? {} : { saga: strategy.saga }),
        ...(strategy.verify === undefined ? {} : { verify: strategy.verify }),
      })),
    agentModules: resolved.agents.map((agent) => ({
      name: agent.name,
      module: resolveInsideRoot(root, agent.module, 'agent'),
      ...(agent.timeoutMs === undefined ? {} : { timeoutMs: agent.timeoutMs }),
    })),
    memory: resolved.memory === 'persist' ? { mode: 'persist', run: runId } : { mode: 'fresh' },
    repeats: resolved.repeats,
    ...(Object.keys(resolved.prices).length > 0 ? { prices: resolved.prices } : {}),
    cleanRun: resolved.cleanRun,
    runId,
    ...(resolved.env.length > 0 ? { env: [...resolved.env] } : {}),
  })

  return {
    name: 'awrr',
    enforce: 'pre',
    config(config) {
      root = path.resolve(config.root ?? process.cwd())
      const userTest = (config as { test?: UserTestConfig }).test
      // Projects extend the root config, this plugin included: only the root declares projects.
      const own = userTest?.provide?.['awrr:strategy']
      if (own !== undefined) {
        // `extends: true` appends the root's `include` to the project's: the user's own tests would
        // run once per strategy. A strategy or agent project runs scenario files only.
        userTest!.include = [...resolved.include]
        return undefined
      }
      if (userTest?.provide?.[userTestsMarker] !== undefined) return undefined
      const kinds = findScenarioKinds(path.resolve(root, userTest?.dir ?? '.'), resolved.include, userTest?.exclude)
      const excludeBase = userTest?.exclude === undefined ? vitestDefaultExclude : []
      const projects: TestProjectInlineConfiguration[] = projectNames.map((name) => ({
        extends: true,
        test: {
          name,
          include: resolved.include,
          // Strategies run the files with a workflow, agents the files with an input: neither
          // sees the other's files, so no project fills the output with skipped tests.
          exclude: [...excludeBase, ...exactPatterns([...(agentTimeouts.has(name) ? kinds.workflow : kinds.input), ...kinds.unprintable])],
          // Scenario modules keep no state at module level that could leak between files (each
          // file gets its own strategy instance and worlds), so re-importing MSW, zod and the
          // runtime for every file, which costs more than running the tasks, buys nothing.
          isolate: resolved.isolate,
          server: { deps: { external: runtimeExternal } },
          // AWRR's own limits (an agent's time limit, each decision's, the success check's) end a
          // task as a failed task with the reason in its trace; Vitest's test timeout is only the
          // safety net above them, so that it never drops a task AWRR would have ended.
          ...(agentTimeouts.has(name)
            ? { testTimeout: agentTimeouts.get(name)! + maxSuccessCheckMs + 10_000 }
            : userTest?.testTimeout === undefined
              ? { testTimeout: strategyTestTimeoutMs }
              : {}),
          provide: { 'awrr:strategy': name, 'awrr:config': runConfig() },
        },
      }))
      // The user's tests keep running beside AWRR's projects. Their own `test.projects` stay as
      // they are (Vite appends ours to them); without any, Vitest ran the root config's tests,
      // which stop running once projects exist, so they become a project of their own that
      // extends the root config unchanged (its include, exclude, setup files, environment).
      const userProjects = userTest?.projects
      if (userProjects === undefined) {
        const name = userTestsProjectName(userTest?.name)
        if (projectNames.includes(name)) {
          throw new Error(`[awrr] A strategy or agent is named "${name}", the name of the project that runs your own tests; rename it, or set test.name in your config.`)
        }
        projects.unshift({ extends: true, test: { name, provide: { [userTestsMarker]: name } } })
      }
      // Vitest keeps one core for its main process (cores - 1 workers) because that process
      // transforms code for the workers. Here the workers do nearly all the work (the main process
      // compiles each scenario file once), so every core runs a worker unless the user says otherwise.
      const maxWorkers = userTest?.maxWorkers === undefined ? { maxWorkers: availableParallelism() } : {}
      return { test: { projects, ...maxWorkers } } as Record<string, unknown>
    },
    configResolved(config) {
      root = config.root
    },
    // Vite follows a symlink to its target before reading it, and would load a link to a file
    // outside the project as that file. A scenario path is checked before it is resolved, and a
    // refused one keeps its own path and loads as a module that throws the reason.
    resolveId(source, importer) {
      const file = source.split('?')[0]!
      if (!scenarioFile.test(file)) return undefined
      // Vite also asks for `/scenarios/x.scenario.yaml`, a path from the root.
      const candidates = [path.resolve(importer === undefined ? root : path.dirname(importer), file), ...(file.startsWith('/') ? [path.join(root, file)] : [])]
      const absolute = candidates.find((candidate) => refused.has(candidate) || existsSync(candidate))
      if (absolute === undefined) return undefined
      if (!refused.has(absolute)) {
        if (!scenarioLeavesRoot(root, absolute)) return undefined
        const relative = path.relative(root, absolute).split(path.sep).join('/')
        refused.set(
          absolute,
          refusedScenarioModule(relative, absolute, {
            code: 'outside_root',
            path: '',
            expected: 'a file inside the project root',
            received: 'a path outside it',
            message: `the file's real path (following symlinks) is outside the project root ${escapeControlCharacters(root, { singleLine: true })}, so AWRR does not read it; keep scenario files in the project`,
            line: 1,
            column: 1,
          }),
        )
      }
      return absolute
    },
    load(id) {
      return refused.get(id.split('?')[0]!)
    },
    transform(code, id) {
      const file = id.split('?')[0]!
      if (!scenarioFile.test(file) || refused.has(file)) return undefined
      const relative = path.relative(root, file).split(path.sep).join('/')
      let source: string | Uint8Array = code
      try {
        source = readFileSync(file)
      } catch {
        // Virtual or unreadable: the text Vite gave us is all there is.
      }
      return compileScenario({ source, absoluteFile: file, file: relative, suiteModule: suiteModulePath, envAllowed: resolved.env, repeats: resolved.repeats })
    },
    configureVitest({ vitest, project }) {
      // A verbose line per test is where a reader looks for each task's outcome: say it there.
      if (project.config.provide?.['awrr:strategy'] !== undefined) project.provide('awrr:annotate', listsEveryTest(vitest.config.reporters))
      const state = vitest as unknown as { __awrrServices?: boolean }
      if (!state.__awrrServices) {
        state.__awrrServices = true
        vitest.onClose(stopStartedServices)
      }
      if (vitest.config.reporters.some((reporter) => reporter instanceof AwrrReporter)) return
      const alreadyAdded = (vitest as unknown as { __awrrReporter?: boolean }).__awrrReporter
      if (alreadyAdded) return
      ;(vitest as unknown as { __awrrReporter?: boolean }).__awrrReporter = true
      vitest.config.reporters.push(
        new AwrrReporter({
          outputDir: resolved.outputDir,
          strategies: projectNames,
          seed,
          reference: resolved.reference,
          thresholds: resolved.thresholds,
          baseline: resolved.baseline,
          tolerance: resolved.tolerance,
          reports: resolved.reports,
          secrets: () => allowedEnvValues(resolved.env),
          runId,
          // Found again here: a project's copy of this plugin (projects load the config anew) is
          // the one that adds the reporter, and only the root's copy listed the files.
          refusedFiles: findUnprintableScenarioFiles(path.resolve(vitest.config.root, vitest.config.dir ?? '.'), resolved.include, vitest.config.exclude),
        }),
      )
    },
  }
}
