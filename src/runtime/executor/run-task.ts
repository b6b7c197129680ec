import timers from 'node:timers'
import { createRandom, hashSeed } from '../random.ts'
import { judgeTask, successCheckOrigins } from '../saga/success-oracle.ts'
import { defaultExecutorOptions, type ExecutorOptions, type ResolvedExecutorOptions } from './executor-options.ts'
import { checkConsistency } from '../saga/consistency-oracle.ts'
import type { Outcome, StepSpec } from '../scenario/schema.ts'
import type { TaskSpec } from '../scenario/task-spec.ts'
import type { InjectedFault } from '../faults/fault-plan.ts'
import {
  isPrivileged,
  type FailureContext,
  type Observation,
  type RecoveryDecision,
  type RecoveryStrategy,
} from '../strategies/recovery-strategy.ts'
import { builtinToolSpecs, isBuiltinTool, type CompensationSpec, type ToolSpec } from '../tools/tool-specs.ts'
import {
  TaskEnvironment,
  toolServiceOrigin,
  worldHashHeader,
} from '../tools/task-environment.ts'
import { runInTask } from '../interception/index.ts'
import { createVirtualClock, type VirtualClock } from '../virtual-clock.ts'
import { idempotencyKey } from './idempotency-key.ts'
import type { CallPurpose, CallResult, TraceEvent, TraceSink } from './trace-events.ts'
import type { DiagnosisRecord, RecoveryActionName, TaskSummary } from './task-summary.ts'
import { checkRead, disagreement, expectedEffect, recordIdOf, recordOfResult } from './read-after-write.ts'
import { resolveArguments } from './step-arguments.ts'
import { faultHitsOf } from './fault-hits.ts'
import { actedOnBadData, judgeClient } from '../verdicts/client-verdicts.ts'
import { cloneData } from '../tools/world.ts'

export { defaultExecutorOptions, type ExecutorOptions, type ResolvedExecutorOptions } from './executor-options.ts'

export interface RunTaskInput {
  task: TaskSpec
  scenario: string
  file: string
  seed: number
  batch: number
  strategy: RecoveryStrategy
  trace: TraceSink
  tracePath: string
  options?: ExecutorOptions
  /**
   * The clean run: the same task with every fault switched off, for the degradation figures. It
   * tells the strategy nothing it could learn from (no `onTaskEnd`), and its trace is the caller's
   * to keep or drop.
   */
  clean?: boolean
  /** This run's id: keeps the Idempotency-Keys sent to real services unique per run. */
  runId?: string
}

interface CallOutcome {
  result: CallResult
  status: number | null
  headers: Record<string, string>
  body: unknown
  call: number
}

interface SagaEntry {
  step: number
  tool: string
  args: Record<string, unknown>
  /** The step cannot be taken back (a message went out): its compensation is a correction plus a ticket. */
  irreversible: boolean
  stepTool: string
}

type Ending = { outcome: Outcome; reason: string }

class TaskEnded extends Error {
  constructor(readonly ending: Ending) {
    super(ending.reason)
  }
}

const toolUrl = (tool: string) => `${toolServiceOrigin}/tools/${encodeURIComponent(tool)}`

/** RCA ground truth as specified: Conflict -> rollback, transient -> retry, everything else -> escalate. */
function rcaActionOf(truth: InjectedFault | undefined): RecoveryActionName {
  if (!truth) return 'escalate'
  if (truth.fault.type === 'Conflict') return 'rollback'
  return truth.layer === 'transient' ? 'retry' : 'escalate'
}

const actions = new Set(['retry', 'rollback', 'compensate', 'escalate', 'fail'])

/** A user strategy's answer is checked like any input: a bad one is the strategy's error. */
function assertValidDecision(decision: unknown): asserts decision is RecoveryDecision {
  if (!decision || typeof decision !== 'object') throw new TypeError(`decide() returned ${String(decision)}, not a decision`)
  const { action, delayMs } = decision as { action?: unknown; delayMs?: unknown }
  if (typeof action !== 'string' || !actions.has(action)) {
    throw new TypeError(`decide() returned unknown action ${JSON.stringify(action)}; expected retry, rollback, compensate, escalate or fail`)
  }
  if ((action === 'retry' || action === 'rollback') && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)) {
    throw new TypeError(`decide() returned ${action} with delayMs ${String(delayMs)}; expected a finite number >= 0`)
  }
}

function budgetOptions(task: TaskSpec): ExecutorOptions {
  const budget = task.budget
  if (!budget) return {}
  return {
    ...(budget.tool_calls === undefined ? {} : { maxToolCalls: budget.tool_calls }),
    ...(budget.virtual_ms === undefined ? {} : { maxVirtualMs: budget.virtual_ms }),
    ...(budget.tokens === undefined ? {} : { maxTokens: budget.tokens }),
  }
}

function isContractKept(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false
  const { ok, result } = body as { ok?: unknown; result?: unknown }
  return ok === true && typeof result === 'object' && result !== null
}

function errorCodeOf(body: unknown): string | null {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : null
}

/**
 * Runs one task under one strategy: each workflow step over HTTP through the MSW router, the
 * strategy consulted on every error, the saga stack run when the task gives up, the consistency
 * oracle on the final world. Whatever the strategy does, including throwing, the task ends with
 * exactly one outcome and a summary.
 */
export async function runTask(input: RunTaskInput): Promise<TaskSummary> {
  const run = new TaskRun(input)
  return run.execute()
}

/** Node's timers, taken before a test can fake the global ones: the decision limit is real time. */
const realTimers = { setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout }

class DecisionTimeout extends Error {
  override name = 'DecisionTimeout'
}

class TaskRun {
  private readonly options: ResolvedExecutorOptions
  private readonly clock: VirtualClock
  private readonly environment: TaskEnvironment
  private readonly random: () => number
  private readonly saga: SagaEntry[] = []
  private readonly failures: Observation[] = []
  private readonly diagnoses: DiagnosisRecord[] = []
  private readonly compensations: TaskSummary['compensations'] = []
  private toolCalls = 0
  private tokens = 0
  private errorEvents = 0
  private recoveredEvents = 0
  private recoveryMsTotal = 0
  private stepsReached = new Set<number>()
  private sideEffectsStarted = false
  private authAnswerSeen = false
  private unsafeAction = false
  private diagnoserCalls = 0
  private memoryHits = 0
  private lastGoodWorldHash: string | null = null
  private lastSeenWorldHash: string | null = null
  private readonly realSideEffects: { index: number; tool: string }[] = []
  /** A call reached a real service: durations include real latency (wall clock). */
  private usedRealTime = false
  /** A write timed out or lost its connection: it may have happened. */
  private ambiguousWrite = false
  private confirmedWrite = false
  private firstFailure: { observation: Observation; decision: RecoveryDecision } | undefined
  /** Accepted results by step index: what later steps' `$from` arguments read. */
  private readonly acceptedResults = new Map<number, unknown>()
  /** Read-after-write: the client's view of each record (what it accepted, plus its own writes). */
  private readonly views = new Map<string, Record<string, unknown>>()
  /** Calls whose answer the client's own check rejected. */
  private readonly detectedCalls = new Set<number>()

  constructor(private readonly input: RunTaskInput) {
    this.options = { ...defaultExecutorOptions, ...input.options, ...budgetOptions(input.task) }
    if (input.strategy.saga === false) this.options.saga = false
    this.clock = createVirtualClock()
    this.environment = new TaskEnvironment({
      seed: input.seed,
      scenario: input.scenario,
      task: input.task.id,
      world: input.task.world,
      faults: input.clean ? [] : input.task.faults,
      clock: this.clock,
      trace: input.trace,
      ...(input.task.tools ? { tools: input.task.tools } : {}),
      origins: successCheckOrigins(input.task.success),
    })
    const strategyRandom = createRandom(hashSeed(input.seed, input.scenario, input.task.id, 'strategy', input.strategy.name))
    this.random = () => strategyRandom.next()
  }

  private emit(event: TraceEvent): void {
    this.input.trace.emit(event)
  }

  async execute(): Promise<TaskSummary> {
    const { task, scenario, seed, strategy } = this.input
    this.emit({ type: 'task:start', task: task.id, scenario, strategy: strategy.name, seed, at: 0 })
    let ending: Ending
    try {
      ending = await runInTask(this.environment, () => this.runWorkflow())
    } catch (error) {
      ending = this.endingFor(error, 'executor')
    }
    // Whether to compensate is decided from what the client saw (a confirmed write, a write that
    // timed out, an error answer that changed the world hash), never from the ground truth.
    const mayHaveWritten = this.confirmedWrite || this.mayHaveWrittenUnseen()
    if (ending.outcome !== 'completed' && this.options.saga && mayHaveWritten) {
      try {
        const compensated = await runInTask(this.environment, () => this.compensate())
        if (!compensated) ending = { outcome: 'escalated', reason: 'compensation_failed' }
      } catch (error) {
        ending = this.endingFor(error, 'saga')
      }
    }
    if (ending.outcome === 'escalated') {
      await runInTask(this.environment, () => this.openTicket(ending.reason)).catch((error: unknown) => {
        this.emit({ type: 'task:error', where: 'ticket', message: String(error), at: this.clock.now() })
      })
    }
    const verdict = checkConsistency(this.environment.initialWorld, this.environment.world, ending.outcome === 'completed')
    // A real service's state is out of sight: an unfinished task is consistent only if every real
    // side effect it caused was compensated.
    if (ending.outcome !== 'completed') {
      for (const step of this.realSideEffects) {
        const undone = this.compensations.some((entry) => entry.step === step.index && entry.ok)
        if (!undone) verdict.problems.push(`real side effect of step ${step.index} (${step.tool}) was not undone`)
      }
      verdict.consistent = verdict.problems.length === 0
    }
    this.emit({ type: 'task:final', outcome: ending.outcome, reason: ending.reason, consistent: verdict.consistent, at: this.clock.now() })
    if (!this.input.clean) {
      try {
        await strategy.onTaskEnd?.({ task: task.id, outcome: ending.outcome, firstFailure: this.firstFailure })
      } catch (error) {
        this.emit({ type: 'task:error', where: 'strategy.onTaskEnd', message: String(error), at: this.clock.now() })
      }
    }
    const calls = this.environment.calls
    return {
      v: 1,
      id: task.id,
      scenario,
      file: this.input.file,
      strategy: strategy.name,
      seed,
      index: task.index,
      batch: this.input.batch,
      outcome: ending.outcome,
      reason: ending.reason,
      toolCalls: this.toolCalls,
      stepsReached: this.stepsReached.size,
      steps: task.workflow.length,
      virtualMs: this.clock.now(),
      errorEvents: this.errorEvents,
      recoveredEvents: this.recoveredEvents,
      recoveryMsTotal: this.recoveryMsTotal,
      unsafeAction: this.unsafeAction,
      sideEffectsStarted: this.sideEffectsStarted,
      consistent: verdict.consistent,
      inconsistencies: verdict.problems,
      compensations: this.compensations,
      diagnoses: this.diagnoses,
      diagnoserCalls: this.diagnoserCalls,
      memoryHits: this.memoryHits,
      tokens: this.tokens,
      trace: this.input.tracePath,
      ...(this.usedRealTime ? { clock: 'mixed' as const } : {}),
      faultHits: faultHitsOf(this.environment.injected, task.workflow.length),
      lies: actedOnBadData(calls, this.detectedCalls),
      verdicts: judgeClient(calls, { attemptTimeoutMs: this.options.attemptTimeoutMs }),
    }
  }

  private endingFor(error: unknown, where: string): Ending {
    if (error instanceof TaskEnded) return error.ending
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    this.emit({ type: 'task:error', where, message, at: this.clock.now() })
    return { outcome: 'failed', reason: `${where}_error` }
  }

  private specOf(tool: string): ToolSpec | undefined {
    if (isBuiltinTool(tool)) return builtinToolSpecs[tool]
    const http = this.environment.httpToolNamed(tool)
    if (!http) return undefined
    return {
      name: tool,
      sideEffect: http.spec.side_effect ?? http.method !== 'GET',
      irreversible: http.spec.irreversible ?? false,
      ...(http.spec.compensate ? { compensation: { tool: http.spec.compensate, sameArgs: true } } : {}),
      baseLatencyMs: 0,
    }
  }

  private async runWorkflow(): Promise<Ending> {
    const { workflow, success } = this.input.task
    for (let index = 0; index < workflow.length; index++) {
      await this.runStep(index, workflow[index]!)
    }
    this.environment.announceCall({ step: undefined, purpose: 'oracle' })
    return judgeTask(success, this.environment.world, this.input.trace, () => this.clock.now())
  }

  private checkBudget(): void {
    if (this.toolCalls >= this.options.maxToolCalls) throw new TaskEnded({ outcome: 'escalated', reason: 'budget_tool_calls' })
    if (this.clock.now() >= this.options.maxVirtualMs) throw new TaskEnded({ outcome: 'escalated', reason: 'budget_time' })
    if (this.tokens >= this.options.maxTokens) throw new TaskEnded({ outcome: 'escalated', reason: 'budget_tokens' })
  }

  private async runStep(index: number, step: StepSpec): Promise<void> {
    const spec = this.specOf(step.tool)
    const sideEffect = spec?.sideEffect ?? false
    const args = resolveArguments(step.with ?? {}, this.acceptedResults)
    const openErrors: number[] = []
    let recoveries = 0
    let sameHashFailures = 0
    let lastFailureHash: string | null | undefined
    for (let attempt = 0; ; attempt++) {
      this.checkBudget()
      this.stepsReached.add(index)
      if (sideEffect && this.authAnswerSeen) this.unsafeAction = true
      let outcome = await this.call(step.tool, args, 'step', index, attempt, sideEffect)
      if (outcome.result === 'ok' && this.input.strategy.verify === true) {
        const problem = await this.verifyAnswer(step.tool, args, outcome, index, attempt, sideEffect)
        if (problem !== null) {
          this.detectedCalls.add(outcome.call)
          // An applied write that failed its check changed the world all the same.
          if (sideEffect && outcome.headers[worldHashHeader] !== this.lastGoodWorldHash) this.sideEffectsStarted = true
          // The write answered 200: as far as the client knows it landed, so it is undone if the
          // task gives up (a compensation of a write that never landed finds nothing to undo).
          if (sideEffect) {
            this.confirmedWrite = true
            this.pushCompensation(index, step, spec, args, outcome.body)
          }
          outcome = { ...outcome, result: 'contract', body: { ok: false, error: { code: 'verification_failed', message: problem } } }
        }
      }
      if (outcome.result === 'ok') {
        this.acceptedResults.set(index, (outcome.body as { result?: unknown } | null)?.result)
        for (const errorAt of openErrors) {
          this.recoveredEvents++
          this.recoveryMsTotal += this.clock.now() - errorAt
        }
        this.lastGoodWorldHash = outcome.headers[worldHashHeader] ?? this.lastGoodWorldHash
        this.ambiguousWrite = false
        if (sideEffect) {
          this.sideEffectsStarted = true
          this.confirmedWrite = true
          if (this.environment.httpToolNamed(step.tool)) this.realSideEffects.push({ index, tool: step.tool })
          this.pushCompensation(index, step, spec, args, outcome.body)
        }
        return
      }

      this.errorEvents++
      openErrors.push(this.clock.now())
      if (outcome.status === 401 || outcome.status === 403) this.authAnswerSeen = true
      const observation = this.observe(step, index, attempt, outcome, sideEffect)
      const truth = this.environment.faultOf(outcome.call)
      if (sideEffect && (outcome.result === 'timeout' || outcome.result === 'network')) this.ambiguousWrite = true
      // Ground truth, for the metrics only: a write that landed although its caller saw an error
      // (an applied timeout, a half-done write) started side effects all the same.
      if (sideEffect && (truth?.fault.applied || truth?.fault.type === 'StateCorruption')) this.sideEffectsStarted = true

      sameHashFailures = observation.worldHash === lastFailureHash ? sameHashFailures + 1 : 1
      lastFailureHash = observation.worldHash
      if (sameHashFailures >= this.options.loopGuard) throw new TaskEnded({ outcome: 'escalated', reason: 'loop_guard' })

      const decision = await this.decide(observation, recoveries, truth)
      this.failures.push(observation)
      this.firstFailure ??= { observation, decision }
      this.diagnoses.push({
        step: index,
        attempt,
        layer_true: truth?.layer ?? 'none',
        action_true: rcaActionOf(truth),
        layer_pred: decision.diagnosis?.layer ?? 'unknown',
        action_pred: decision.action,
        source: decision.diagnosis?.source ?? 'rule',
        event: this.errorEvents - 1,
      })
      this.diagnoserCalls += decision.diagnoserCalls ?? 0
      if (decision.memoryHit) this.memoryHits++
      this.emit({
        type: 'strategy:decision',
        step: index,
        attempt,
        action: decision.action,
        delayMs: 'delayMs' in decision ? decision.delayMs : 0,
        layer: decision.diagnosis?.layer ?? 'unknown',
        source: decision.diagnosis?.source ?? 'rule',
        confidence: decision.diagnosis?.confidence ?? 0,
        at: this.clock.now(),
      })

      switch (decision.action) {
        case 'retry':
          recoveries++
          this.clock.advance(Math.max(0, decision.delayMs))
          break
        case 'rollback':
          recoveries++
          this.checkBudget()
          await this.call('rollback', {}, 'rollback', index, attempt, false)
          this.emit({ type: 'world:rollback', step: index, at: this.clock.now() })
          this.clock.advance(Math.max(0, decision.delayMs))
          break
        case 'compensate':
          throw new TaskEnded({ outcome: 'failed', reason: decision.reason })
        case 'escalate':
          throw new TaskEnded({ outcome: 'escalated', reason: decision.reason })
        case 'fail':
          throw new TaskEnded({ outcome: 'failed', reason: decision.reason })
      }
    }
  }

  /**
   * Read-after-write, from what the client knows: a read must agree with its view of the record; a
   * write with a visible effect is read back, and the record must show the write, agree with the
   * view, and match what the write answered. Returns why not, or null. Built-in tools only: a
   * declared real tool has no read the executor knows of.
   */
  private async verifyAnswer(
    tool: string,
    args: Record<string, unknown>,
    outcome: CallOutcome,
    index: number,
    attempt: number,
    sideEffect: boolean,
  ): Promise<string | null> {
    const id = recordIdOf(args)
    if (id === undefined || !isBuiltinTool(tool)) return null
    const result = (outcome.body as { result?: unknown } | null)?.result
    const view = this.views.get(id)
    if (!sideEffect) {
      const problem = checkRead(id, result, view)
      const record = recordOfResult(result)
      if (problem === null && record) this.views.set(id, cloneData(record))
      return problem
    }
    const effect = expectedEffect(tool, args)
    const answered = recordOfResult(result)
    if (!effect && !answered) return null
    const readBack = await this.call('get_record', { record_id: id }, 'verify', index, attempt, false)
    const record = readBack.result === 'ok' ? recordOfResult((readBack.body as { result?: unknown }).result) : undefined
    let problem: string | null
    if (!record) problem = `read-back of ${id} failed (${readBack.status ?? readBack.result})`
    else {
      const showsWrite = disagreement(record, { ...view, ...effect })
      const answerAgrees = answered ? disagreement(answered, record) : null
      problem = showsWrite ? `after ${tool}, ${id}: ${showsWrite}` : answerAgrees ? `${tool} answered a record that disagrees with the read-back: ${answerAgrees}` : null
    }
    if (problem !== null) this.detectedCalls.add(readBack.call)
    else if (record) this.views.set(id, cloneData(record))
    return problem
  }

  private async decide(observation: Observation, recoveriesOnStep: number, truth: InjectedFault | undefined): Promise<RecoveryDecision> {
    const { strategy } = this.input
    const context: FailureContext = {
      observation,
      history: [...this.failures],
      recoveriesOnStep,
      budget: {
        toolCallsLeft: this.options.maxToolCalls - this.toolCalls,
        virtualMsLeft: this.options.maxVirtualMs - this.clock.now(),
      },
      random: this.random,
      record: (name, detail = {}) => this.emit({ type: 'strategy:event', name, detail, at: this.clock.now() }),
    }
    const limitMs = this.options.decisionTimeoutMs
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = realTimers.setTimeout(() => reject(new DecisionTimeout(`decide() gave no decision within ${limitMs} ms`)), limitMs)
    })
    try {
      const deciding = Promise.resolve().then(() => (isPrivileged(strategy) ? strategy.decideWithTruth(context, truth) : strategy.decide(context)))
      const decision = await Promise.race([deciding, timedOut])
      assertValidDecision(decision)
      return decision
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
      this.emit({ type: 'task:error', where: 'strategy.decide', message, at: this.clock.now() })
      throw new TaskEnded({ outcome: 'failed', reason: error instanceof DecisionTimeout ? 'strategy_timeout' : 'strategy_error' })
    } finally {
      realTimers.clearTimeout(timer)
    }
  }

  private observe(step: StepSpec, index: number, attempt: number, outcome: CallOutcome, sideEffect: boolean): Observation {
    return {
      tool: step.tool,
      step: index,
      stepName: step.name ?? step.tool,
      attempt,
      result: outcome.result as Observation['result'],
      status: outcome.status,
      headers: outcome.headers,
      body: outcome.body,
      errorCode: errorCodeOf(outcome.body),
      worldHash: outcome.headers[worldHashHeader] ?? null,
      lastGoodWorldHash: this.lastGoodWorldHash,
      sideEffect,
      at: this.clock.now(),
    }
  }

  private pushCompensation(index: number, step: StepSpec, spec: ToolSpec | undefined, args: Record<string, unknown>, body: unknown): void {
    // A step is undone once, however many of its attempts answered 200.
    if (this.saga.some((entry) => entry.step === index)) return
    const declared: CompensationSpec | undefined = step.compensate
      ? { tool: step.compensate.tool, ...(step.compensate.with ? { fixed: step.compensate.with } : {}) }
      : spec?.compensation
    if (!declared) return
    const result = (body as { result?: Record<string, unknown> } | null)?.result ?? {}
    const compensationArgs: Record<string, unknown> = {}
    if ((step.compensate && !step.compensate.with) || declared.sameArgs) Object.assign(compensationArgs, args)
    for (const [to, from] of Object.entries(declared.args ?? {})) compensationArgs[to] = args[from]
    for (const [to, from] of Object.entries(declared.fromResult ?? {})) compensationArgs[to] = result[from]
    Object.assign(compensationArgs, declared.fixed)
    this.saga.push({ step: index, tool: declared.tool, args: compensationArgs, irreversible: spec?.irreversible ?? false, stepTool: step.tool })
    this.emit({ type: 'saga:push', step: index, tool: declared.tool, at: this.clock.now() })
  }

  /**
   * The failing step may have written without a confirmed answer: an error answer whose world hash
   * differs from the last good one (a half-done write), or a side-effecting call that timed out.
   */
  private mayHaveWrittenUnseen(): boolean {
    const halfWritten = this.lastSeenWorldHash !== null && this.lastSeenWorldHash !== this.lastGoodWorldHash
    return halfWritten || this.ambiguousWrite
  }

  /** Undoes what the task did, newest first. Returns false when some compensation kept failing. */
  private async compensate(): Promise<boolean> {
    // The failing step may have written half its effect (a changed world hash on the error answer)
    // or may have written without answering (a timeout on a write): neither is on the saga stack,
    // so the world goes back to the last checkpoint first.
    if (this.mayHaveWrittenUnseen()) {
      await this.call('rollback', {}, 'rollback', null, 0, false)
      this.emit({ type: 'world:rollback', step: -1, at: this.clock.now() })
    }
    let allDone = true
    while (this.saga.length > 0) {
      const entry = this.saga.pop()!
      let done = false
      let attempts = 0
      for (; attempts < this.options.compensationAttempts && !done; attempts++) {
        if (attempts > 0) this.clock.advance(Math.min(400, 100 * 2 ** (attempts - 1)))
        const outcome = await this.call(entry.tool, entry.args, 'compensation', null, attempts, true, `comp-${entry.step}`)
        // A 404 means there is nothing left to undo (the workflow refunded already): done.
        done = outcome.result === 'ok' || outcome.status === 404
      }
      this.compensations.push({ tool: entry.tool, step: entry.step, ok: done })
      this.emit({ type: 'saga:compensate', step: entry.step, tool: entry.tool, ok: done, attempts, at: this.clock.now() })
      if (!done) {
        allDone = false
        const reason = `compensation ${entry.tool} for step ${entry.step} failed`
        await this.call('create_ticket', { reason, severity: 'critical' }, 'ticket', null, 0, true, `critical-${entry.step}`)
      } else if (entry.irreversible) {
        // A correction does not unsend the first message: a person is told to follow up.
        const reason = `irreversible ${entry.stepTool} at step ${entry.step} was corrected, not undone`
        await this.call('create_ticket', { reason, severity: 'normal' }, 'ticket', null, 0, true, `irreversible-${entry.step}`)
      }
    }
    return allDone
  }

  private async openTicket(reason: string): Promise<void> {
    await this.call('create_ticket', { reason, severity: 'normal', task: this.input.task.id }, 'ticket', null, 0, true, 'escalation')
  }

  /**
   * The clean run's calls go straight to the task's tool service: with no fault plan, the HTTP
   * layer would only add its cost (about 0.3 ms a call) to a replay whose answers it cannot change.
   */
  private async serveDirectly(tool: string, args: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal): Promise<Pick<Response, 'ok' | 'status' | 'text'> & { headers: Map<string, string> }> {
    const { step, purpose } = this.environment.takeAnnouncedCall()
    const answer = await this.environment.serve({ tool, step, purpose, args: cloneData(args), idempotencyKey: headers['idempotency-key'], signal })
    if (answer.kind === 'network') throw new TypeError('fetch failed')
    if (signal.aborted) throw signal.reason
    const text = JSON.stringify(answer.body)
    const responseHeaders = new Map(Object.entries(answer.headers).map(([name, value]) => [name.toLowerCase(), value]))
    return { ok: answer.status >= 200 && answer.status < 300, status: answer.status, headers: responseHeaders, text: async () => text }
  }

  private async call(
    tool: string,
    args: Record<string, unknown>,
    purpose: CallPurpose,
    step: number | null,
    attempt: number,
    sideEffect: boolean,
    keySuffix?: string,
  ): Promise<CallOutcome> {
    const callIndex = this.environment.callCount
    const controller = new AbortController()
    const cancel = this.clock.setTimer(this.options.attemptTimeoutMs, () =>
      controller.abort(new DOMException('attempt deadline passed', 'TimeoutError')),
    )
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    // The router reads what this call is for from the task, not from headers a real service would see.
    this.environment.announceCall({ step: step ?? undefined, purpose })
    const http = this.environment.httpToolNamed(tool)
    if (sideEffect) {
      const { seed, strategy, scenario, file, task, runId } = this.input
      const operation = keySuffix ?? `step-${step}`
      headers['idempotency-key'] = idempotencyKey({ seed, strategy: strategy.name, scenario, file, task: task.id, operation, run: http ? runId : undefined })
    }
    const method = http?.method ?? 'POST'
    const requestBody = method === 'GET' ? '' : JSON.stringify(args)
    const startedAt = this.clock.now()
    const wallStart = performance.now()
    // A real service answers in real time: its deadline is a real timer as well as a virtual one. Not
    // AbortSignal.timeout: AbortSignal.any holds its sources weakly, so a collection could take the
    // timeout signal and its timer with it, and a service that never answers hung the attempt. This
    // timer is referenced from this frame until `finally` clears it.
    const realDeadline = http
      ? realTimers.setTimeout(() => controller.abort(new DOMException('attempt deadline passed', 'TimeoutError')), this.options.attemptTimeoutMs)
      : undefined
    const signal = controller.signal
    this.toolCalls++
    let outcome: CallOutcome
    try {
      const init = { method, headers: http ? { ...headers, ...http.headers } : headers, ...(method === 'GET' ? {} : { body: requestBody }), signal }
      const response = this.input.clean && !http ? await this.serveDirectly(tool, args, headers, signal) : await fetch(http?.url ?? toolUrl(tool), init)
      const text = await response.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // Not JSON: the contract check below reports it.
      }
      this.tokens += Math.ceil((requestBody.length + text.length) / 4)
      const responseHeaders: Record<string, string> = {}
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value
      })
      // Real tools have no AWRR envelope: any 2xx is a success.
      const result: CallResult = !response.ok ? 'http_error' : http || isContractKept(body) ? 'ok' : 'contract'
      outcome = { result, status: response.status, headers: responseHeaders, body, call: callIndex }
    } catch (error) {
      const timedOut = signal.aborted
      this.tokens += Math.ceil(requestBody.length / 4)
      outcome = { result: timedOut ? 'timeout' : 'network', status: null, headers: {}, body: undefined, call: callIndex }
      if (!timedOut && !(error instanceof TypeError)) throw error
    } finally {
      cancel()
      if (realDeadline !== undefined) realTimers.clearTimeout(realDeadline)
    }
    if (http && !this.environment.faultOf(callIndex)) {
      this.usedRealTime = true
      this.clock.advance(performance.now() - wallStart)
    }
    this.lastSeenWorldHash = outcome.headers[worldHashHeader] ?? this.lastSeenWorldHash
    this.emit({
      type: 'tool:call',
      call: callIndex,
      tool,
      step,
      purpose,
      attempt,
      at: startedAt,
      latencyMs: this.clock.now() - startedAt,
      result: outcome.result,
      status: outcome.status,
    })
    return outcome
  }
}

