import type { CallPurpose, TraceSink } from '../executor/trace-events.ts'
import { createFaultPlan, type FaultPlan, type InjectedFault } from '../faults/fault-plan.ts'
import { faultWire } from '../faults/fault-wire.ts'
import { createRandom, hashSeed } from '../random.ts'
import type { ResolvedFault, TaskWorld } from '../scenario/task-spec.ts'
import type { VirtualClock } from '../virtual-clock.ts'
import { builtinTools, type ToolAnswer } from './builtin-tools.ts'
import { builtinToolSpecs, isBuiltinTool } from './tool-specs.ts'
import {
  appendAudit,
  createWorld,
  restoreWorld,
  snapshotWorld,
  worldHash,
  type WorldSnapshot,
  type WorldState,
} from './world.ts'

export const toolServiceOrigin = 'http://tools.awrr.test'
export const stepHeader = 'x-awrr-step'
export const purposeHeader = 'x-awrr-purpose'
export const worldHashHeader = 'x-world-hash'

/** What the server answers, as data; the MSW layer turns it into a Response. */
export type ServedAnswer =
  | { kind: 'json'; status: number; headers: Record<string, string>; body: unknown }
  | { kind: 'network' }

export interface ServedCall {
  tool: string
  step: number | undefined
  purpose: CallPurpose
  args: Record<string, unknown>
  idempotencyKey: string | undefined
  signal: AbortSignal | undefined
}

export interface TaskEnvironmentOptions {
  seed: number
  scenario: string
  task: string
  world: TaskWorld
  faults: readonly ResolvedFault[]
  clock: VirtualClock
  trace: TraceSink
}

/**
 * Everything one task's tool calls reach: its world, its fault plan and its clock. The tool server
 * finds the environment of the task that made a request and hands the request to `serve`.
 */
export class TaskEnvironment {
  readonly world: WorldState
  readonly initialWorld: TaskWorld
  readonly clock: VirtualClock
  /** Ground truth of every injected fault, in call order. Never handed to a strategy. */
  readonly injected: (InjectedFault & { call: number })[] = []
  private readonly plan: FaultPlan
  private checkpoint: WorldSnapshot
  private calls = 0

  constructor(private readonly options: TaskEnvironmentOptions) {
    this.world = createWorld(options.world)
    this.initialWorld = options.world
    this.clock = options.clock
    this.checkpoint = snapshotWorld(this.world)
    this.plan = createFaultPlan({
      seed: options.seed,
      scenario: options.scenario,
      task: options.task,
      faults: options.faults,
      auditSeq: () => this.world.audit_log.length,
      recoveredSince: (since) =>
        this.world.audit_log.some((entry) => entry.seq >= since && (entry.kind === 'rollback' || entry.kind === 'compensation')),
    })
  }

  /** Calls served so far; the index of the next call. */
  get callCount(): number {
    return this.calls
  }

  faultOf(call: number): InjectedFault | undefined {
    return this.injected.find((entry) => entry.call === call)
  }

  async serve(call: ServedCall): Promise<ServedAnswer> {
    const index = this.calls++
    const at = this.clock.now()
    const spec = isBuiltinTool(call.tool) ? builtinToolSpecs[call.tool] : undefined
    if (!spec) {
      return this.answer(index, call, at, 0, false, {
        status: 404,
        body: { ok: false, error: { code: 'unknown_tool', message: `no tool named ${call.tool}` } },
      })
    }
    const jitter = createRandom(hashSeed(this.options.seed, this.options.scenario, this.options.task, 'latency', index)).next()
    const baseLatency = Math.round(spec.baseLatencyMs * (0.75 + 0.5 * jitter))
    // Step-targeted faults hit the workflow's own calls, not the rollbacks and tickets made for it.
    const injected = this.plan.decide({ tool: call.tool, step: call.purpose === 'step' ? call.step : undefined })

    if (!injected) {
      const { answer, replayed } = this.execute(call, spec.sideEffect)
      await this.clock.sleep(baseLatency, call.signal)
      if (answer.status < 300 && spec.sideEffect) this.checkpoint = snapshotWorld(this.world)
      return this.answer(index, call, at, baseLatency, replayed, answer)
    }

    this.injected.push({ ...injected, call: index })
    const { fault } = injected
    this.options.trace.emit({
      type: 'fault:injected',
      call: index,
      faultId: fault.id,
      faultType: fault.type,
      layer: injected.layer,
      mode: fault.mode,
      step: call.step ?? null,
      tool: call.tool,
      attempt: injected.attempt,
      at,
    })
    const wire = faultWire(fault, jitter)
    if (wire.kind === 'timeout') {
      if (wire.applied) this.execute(call, spec.sideEffect)
      await this.clock.sleep(wire.latencyMs, call.signal)
      this.emitServe(index, call, at, wire.latencyMs, 'hang', false)
      return { kind: 'json', status: 504, headers: this.hashHeaders(), body: { ok: false, error: { code: 'gateway_timeout', message: 'no answer' } } }
    }
    if (wire.kind === 'network') {
      await this.clock.sleep(wire.latencyMs, call.signal)
      this.emitServe(index, call, at, wire.latencyMs, 'network', false)
      return { kind: 'network' }
    }
    if (wire.write === 'partial') this.writePartially(call)
    const latency = baseLatency + wire.latencyMs
    await this.clock.sleep(latency, call.signal)
    return this.answer(index, call, at, latency, false, { status: wire.status, body: wire.body as ToolAnswer['body'] }, wire.headers)
  }

  /** Restores the world to the state after the last successful side-effecting call. */
  rollback(): void {
    restoreWorld(this.world, this.checkpoint)
    appendAudit(this.world, 'rollback', 'rollback')
  }

  private execute(call: ServedCall, sideEffect: boolean): { answer: ToolAnswer; replayed: boolean } {
    if (call.tool === 'rollback') {
      this.rollback()
      return { answer: { status: 200, body: { ok: true, result: { restored: true } } }, replayed: false }
    }
    const key = sideEffect ? call.idempotencyKey : undefined
    const stored = key === undefined ? undefined : this.world.idempotency[key]
    if (stored) return { answer: stored as ToolAnswer, replayed: true }
    const answer = builtinTools[call.tool as keyof typeof builtinTools](this.world, call.args)
    if (call.purpose === 'compensation' && answer.status < 300) appendAudit(this.world, 'compensation', call.tool)
    if (key !== undefined && answer.status < 300) this.world.idempotency[key] = structuredClone(answer)
    return { answer, replayed: false }
  }

  /** A write that fails midway: the effect lands, the record is left marked, the caller gets a 500. */
  private writePartially(call: ServedCall): void {
    if (call.tool !== 'rollback') builtinTools[call.tool as keyof typeof builtinTools]?.(this.world, call.args)
    const id = call.args['record_id'] ?? call.args['order_id']
    const record = typeof id === 'string' ? this.world.records[id] : undefined
    if (record) record['integrity'] = 'corrupted'
  }

  private hashHeaders(): Record<string, string> {
    return { [worldHashHeader]: worldHash(this.world) }
  }

  private emitServe(index: number, call: ServedCall, at: number, latencyMs: number, status: number | 'network' | 'hang', replayed: boolean): void {
    this.options.trace.emit({
      type: 'tool:serve',
      call: index,
      tool: call.tool,
      step: call.step ?? null,
      purpose: call.purpose,
      at,
      latencyMs,
      status,
      replayed,
    })
  }

  private answer(
    index: number,
    call: ServedCall,
    at: number,
    latencyMs: number,
    replayed: boolean,
    answer: ToolAnswer,
    headers: Record<string, string> = {},
  ): ServedAnswer {
    this.emitServe(index, call, at, latencyMs, answer.status, replayed)
    const extra: Record<string, string> = replayed ? { 'idempotent-replayed': 'true' } : {}
    return { kind: 'json', status: answer.status, headers: { ...headers, ...extra, ...this.hashHeaders() }, body: answer.body }
  }
}
