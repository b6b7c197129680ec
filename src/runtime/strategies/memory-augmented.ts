import { diagnosisActions, type DiagnosisAction } from '../diagnosis/diagnoser.ts'
import { createMemoryBank, signatureOf, type MemoryBank, type MemoryUpdate } from '../memory/memory-bank.ts'
import { freshMemory, type MemoryStore } from '../memory/memory-file.ts'
import {
  applyLimits,
  createConsultation,
  defaultDiagnosisDrivenOptions,
  ruleVerdict,
  type DiagnosisDrivenOptions,
  type ResolvedDiagnosisDrivenOptions,
} from './diagnosis-driven.ts'
import type { RecoveryStrategy, TaskEndInfo } from './recovery-strategy.ts'

export interface MemoryAugmentedOptions extends DiagnosisDrivenOptions {
  /**
   * Where the bank starts and what it keeps: `freshMemory()` (empty for each scenario file,
   * learning in task order) or `persistentMemory({ file, run })`.
   * @default freshMemory()
   */
  memory?: MemoryStore
  /** A recalled entry this confident is acted on without asking the diagnoser. @default 0.8 */
  hitThreshold?: number
}

export type MemoryAugmentedStrategy = RecoveryStrategy & {
  /** The bank as this instance sees it: what it loaded plus what it learnt. */
  readonly bank: MemoryBank
}

const isDiagnosisAction = (action: string): action is DiagnosisAction => (diagnosisActions as readonly string[]).includes(action)

/**
 * What a finished task teaches: its first failure's signature, the action taken and whether the
 * task completed. Only actions B4 can repeat are remembered, with a layer that was predicted.
 */
export function memoryUpdateOf(info: TaskEndInfo): MemoryUpdate | undefined {
  const first = info.firstFailure
  if (!first) return undefined
  const { decision, observation } = first
  const layer = decision.diagnosis?.layer
  if (!isDiagnosisAction(decision.action) || layer === undefined || layer === 'unknown') return undefined
  return { signature: signatureOf(observation), action: decision.action, layer, success: info.outcome === 'completed' }
}

/**
 * B4: B3 with a memory bank. Each failure's signature is looked up first; an entry whose
 * confidence (0.7 x similarity + 0.3 x past success rate) reaches 0.8 is acted on at once, with
 * no diagnoser call and no diagnosis time. After each task, its first failure is written back.
 */
export function memoryAugmented(options: MemoryAugmentedOptions = {}): MemoryAugmentedStrategy {
  const resolved: ResolvedDiagnosisDrivenOptions = { ...defaultDiagnosisDrivenOptions, name: 'B4', ...options }
  const hitThreshold = options.hitThreshold ?? 0.8
  const store = options.memory ?? freshMemory()
  const bank = createMemoryBank(store.load())
  const consult = createConsultation(resolved)

  return {
    name: resolved.name,
    bank,
    async decide(context) {
      if (context.recoveriesOnStep >= resolved.maxRecoveries) {
        return applyLimits(ruleVerdict(context, 'recoveries exhausted'), context, resolved, 0)
      }
      const recalled = bank.recall(signatureOf(context.observation))
      if (recalled && recalled.confidence >= hitThreshold) {
        const { entry } = recalled
        const verdict = {
          action: entry.action,
          reason: `remembered_${entry.layer}`,
          diagnosis: {
            layer: entry.layer,
            source: 'memory' as const,
            confidence: recalled.confidence,
            rationale: `remembered: ${entry.action} worked ${entry.successes} of ${entry.uses} times (similarity ${recalled.similarity})`,
          },
        }
        return { ...applyLimits(verdict, context, resolved, 0), memoryHit: true, diagnoserCalls: 0 }
      }
      const consulted = await consult(context)
      return { ...applyLimits(consulted.verdict, context, resolved, consulted.costMs), diagnoserCalls: consulted.calls }
    },
    async onTaskEnd(info) {
      const update = memoryUpdateOf(info)
      if (!update) return
      bank.learn(update)
      await store.save([update])
    },
  }
}
