import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import type { TestProjectInlineConfiguration } from 'vitest/config'
import { AwrrReporter } from '../reporters/awrr-reporter.ts'
import type { ExecutorOptions } from '../runtime/executor/run-task.ts'
import type { RunConfig, StrategyModuleRef } from '../runtime/vitest/run-config.ts'
import { compileScenario } from './compile-scenario.ts'

export interface StrategyModuleOption {
  name: string
  /** Path to a module exporting a `RecoveryStrategy`, relative to the project root. */
  module: string
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
   * @default ['B0', 'B1', 'B2']
   */
  strategies?: (string | StrategyModuleOption)[]
  /** Scenario files. @default ['scenarios/**\/*.scenario.yaml'] */
  include?: string[]
  /** Seed of the run; `AWRR_SEED` in the environment wins. @default 42 */
  seed?: number
  /** Where reports and traces go, relative to the root. @default '.awrr' */
  outputDir?: string
  /** Learning-curve batch size, in tasks. @default 10 */
  batchSize?: number
  /** Executor limits: per-attempt deadline, budgets, loop guard, saga on or off. */
  executor?: ExecutorOptions
  /**
   * Your own agents, each a Vitest project beside the strategies; an agent project runs the
   * scenarios that have an `input:`. @default []
   */
  agents?: AgentOption[]
}

export type ResolvedAwrrOptions = Required<Omit<AwrrOptions, 'strategies'>> & { strategies: (string | StrategyModuleOption)[] }

export const defaultAwrrOptions: ResolvedAwrrOptions = {
  strategies: ['B0', 'B1', 'B2'],
  include: ['scenarios/**/*.scenario.yaml'],
  seed: 42,
  outputDir: '.awrr',
  batchSize: 10,
  executor: {},
  agents: [],
}

const scenarioFile = /\.scenario\.ya?ml$/
const ownExtension = path.extname(fileURLToPath(import.meta.url))
const suiteModulePath = fileURLToPath(new URL(`../runtime/vitest/scenario-suite${ownExtension}`, import.meta.url))

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

const strategyNameOf = (strategy: string | StrategyModuleOption) => (typeof strategy === 'string' ? strategy : strategy.name)

/**
 * The AWRR Vite plugin: scenario files become test modules, every strategy becomes a Vitest
 * project of the same name, and the AWRR reporter is added in `configureVitest` so that
 * `--reporter=...` on the command line does not remove it.
 */
export function awrr(options: AwrrOptions = {}): Plugin {
  const resolved: ResolvedAwrrOptions = { ...defaultAwrrOptions, ...options }
  const seed = resolveSeed(resolved.seed)
  const strategyNames = resolved.strategies.map(strategyNameOf)
  const projectNames = [...strategyNames, ...resolved.agents.map((agent) => agent.name)]
  const duplicate = projectNames.find((name, index) => projectNames.indexOf(name) !== index)
  if (duplicate !== undefined) throw new Error(`[awrr] Two strategies or agents are named "${duplicate}"; project names must be unique.`)
  let root = process.cwd()

  const runConfig = (): RunConfig => ({
    root,
    outputDirRelative: resolved.outputDir.replaceAll('\\', '/'),
    seed,
    batchSize: resolved.batchSize,
    executor: resolved.executor,
    strategyModules: resolved.strategies
      .filter((strategy): strategy is StrategyModuleOption => typeof strategy !== 'string')
      .map((strategy): StrategyModuleRef => ({ name: strategy.name, module: resolveInsideRoot(root, strategy.module, 'strategy') })),
    agentModules: resolved.agents.map((agent) => ({
      name: agent.name,
      module: resolveInsideRoot(root, agent.module, 'agent'),
      ...(agent.timeoutMs === undefined ? {} : { timeoutMs: agent.timeoutMs }),
    })),
  })

  return {
    name: 'awrr',
    enforce: 'pre',
    config(config) {
      root = path.resolve(config.root ?? process.cwd())
      // Projects extend the root config, this plugin included: only the root declares projects.
      const provided = (config as { test?: { provide?: Record<string, unknown> } }).test?.provide
      if (provided?.['awrr:strategy'] !== undefined) return undefined
      const projects: TestProjectInlineConfiguration[] = projectNames.map((name) => ({
        extends: true,
        test: {
          name,
          include: resolved.include,
          provide: { 'awrr:strategy': name, 'awrr:config': runConfig() },
        },
      }))
      return { test: { projects } } as Record<string, unknown>
    },
    configResolved(config) {
      root = config.root
    },
    transform(code, id) {
      const file = id.split('?')[0]!
      if (!scenarioFile.test(file)) return undefined
      const relative = path.relative(root, file).split(path.sep).join('/')
      let source: string | Uint8Array = code
      try {
        source = readFileSync(file)
      } catch {
        // Virtual or unreadable: the text Vite gave us is all there is.
      }
      return compileScenario({ source, absoluteFile: file, file: relative, suiteModule: suiteModulePath })
    },
    configureVitest({ vitest }) {
      if (vitest.config.reporters.some((reporter) => reporter instanceof AwrrReporter)) return
      const alreadyAdded = (vitest as unknown as { __awrrReporter?: boolean }).__awrrReporter
      if (alreadyAdded) return
      ;(vitest as unknown as { __awrrReporter?: boolean }).__awrrReporter = true
      vitest.config.reporters.push(new AwrrReporter({ outputDir: resolved.outputDir, strategies: projectNames, seed }))
    },
  }
}
