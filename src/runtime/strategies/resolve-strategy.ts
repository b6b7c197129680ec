import { pathToFileURL } from 'node:url'
import type { RunConfig } from '../vitest/run-config.ts'
import { naiveRetry, noRecovery, ruleBased } from './builtin-strategies.ts'
import type { InjectedFault } from '../faults/fault-plan.ts'
import type { FailureContext, PrivilegedStrategy, RecoveryStrategy } from './recovery-strategy.ts'

export const builtinStrategyNames = ['B0', 'B1', 'B2', 'STD', 'B3', 'B4', 'ORACLE'] as const

// A worker runs one strategy: the others' modules (cockatiel for STD, zod and the memory file for
// B4) are imported only by the worker that needs them, which keeps every worker's start-up short.
const builtinFactories: Record<string, (config: RunConfig) => Promise<RecoveryStrategy>> = {
  B0: async () => noRecovery(),
  B1: async () => naiveRetry(),
  B2: async () => ruleBased(),
  STD: async () => (await import('./industry-standard.ts')).industryStandard(),
  B3: async () => (await import('./diagnosis-driven.ts')).diagnosisDriven(),
  B4: async (config) => {
    const [{ memoryAugmented }, { memoryStoreFor }] = await Promise.all([import('./memory-augmented.ts'), import('../memory/memory-file.ts')])
    return memoryAugmented({ memory: memoryStoreFor(config, 'B4') })
  },
  ORACLE: async () => (await import('./oracle.ts')).oracle(),
}

function isStrategy(value: unknown): value is RecoveryStrategy {
  return typeof value === 'object' && value !== null && typeof (value as RecoveryStrategy).decide === 'function'
}

/**
 * Creates the strategy a project runs: a built-in by name, or the user's module. One instance
 * serves one scenario file, so a learning strategy learns within the file, in task order.
 */
export async function resolveStrategy(
  name: string,
  config: RunConfig,
  importModule: (id: string) => Promise<unknown> = (id) => import(id),
): Promise<RecoveryStrategy> {
  const builtin = builtinFactories[name]
  if (builtin) return await builtin(config)
  const ref = config.strategyModules.find((candidate) => candidate.name === name)
  if (!ref) throw new Error(`[awrr] Unknown strategy "${name}". Built-in strategies: ${Object.keys(builtinFactories).join(', ')}.`)
  if ('base' in ref) {
    const base = builtinFactories[ref.base]
    if (!base) throw new Error(`[awrr] Strategy "${name}" is a variant of "${ref.base}", which is not a built-in strategy (${Object.keys(builtinFactories).join(', ')}).`)
    const strategy = await base(config)
    return renamed(strategy, name, ref.saga, true, ref.verify)
  }
  const loaded = (await importModule(pathToFileURL(ref.module).href)) as Record<string, unknown>
  const exported = loaded['default'] ?? loaded['strategy']
  const candidate = typeof exported === 'function' ? (exported as () => unknown)() : exported
  if (!isStrategy(candidate)) {
    throw new Error(`[awrr] Strategy module "${ref.module}" must export (as default or \`strategy\`) an object with a decide() method, or a function returning one.`)
  }
  // A user module never gets the ground truth, whatever it claims: only ORACLE reads it.
  return renamed(candidate, name, ref.saga, false, ref.verify)
}

/** Keeps the strategy object (a class instance keeps its methods); only the name and saga are ours. */
function renamed(candidate: RecoveryStrategy, name: string, saga: boolean | undefined, allowTruth: boolean, verify?: boolean): RecoveryStrategy {
  const effectiveSaga = saga ?? candidate.saga
  const effectiveVerify = verify ?? candidate.verify
  const privileged = candidate as Partial<PrivilegedStrategy>
  return {
    name,
    ...(effectiveSaga === undefined ? {} : { saga: effectiveSaga }),
    ...(effectiveVerify === undefined ? {} : { verify: effectiveVerify }),
    ...(allowTruth && privileged.readsGroundTruth === true && privileged.decideWithTruth
      ? { readsGroundTruth: true, decideWithTruth: (context: FailureContext, truth: InjectedFault | undefined) => privileged.decideWithTruth!(context, truth) }
      : {}),
    decide: (context) => candidate.decide(context),
    onTaskEnd: (info) => candidate.onTaskEnd?.(info),
  }
}
