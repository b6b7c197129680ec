import type { CallPurpose, TraceSink } from '../executor/trace-events.ts'
import { createFaultPlan, type FaultPlan, type InjectedFault } from '../faults/fault-plan.ts'
import { interpolateEnv } from '../http/env-interpolation.ts'
import { modelToolName, type DeclaredToolSpec, type HttpToolSpec, type LlmSpec, type McpServerSpec } from '../scenario/schema.ts'
import type { TaskCassette } from '../cassettes/index.ts'
import { ModelEndpoint } from '../llm/model-endpoint.ts'
import { faultWire, type FaultWire } from '../faults/fault-wire.ts'
import { applyLyingFault, isLyingFault, type LyingFaultType } from '../faults/lying-faults.ts'
import { createRandom, hashSeed } from '../random.ts'
import type { ResolvedFault, TaskWorld } from '../scenario/task-spec.ts'
import type { VirtualClock } from '../virtual-clock.ts'
import { builtinTools, type ToolAnswer } from './builtin-tools.ts'
import { builtinToolSpecs, isBuiltinTool } from './tool-specs.ts'
import {
  appendAudit,
  cloneData,
  stableStringify,
  createWorld,
  restoreWorld,
  snapshotWorld,
  worldHash,
  type WorldSnapshot,
  type WorldState,
} from './world.ts'

export const toolServiceOrigin = 'http://tools.awrr.test'
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
  /**
   * The fault plan's decision, when the caller (the MCP layer) had to make it first to see whether
   * the fault belongs to its own layer; `null`: no fault. Absent: `serve` decides.
   */
  decided?: InjectedFault | null
  /** What the call is recorded as, when not `POST <tool service>/tools/<tool>` (an MCP server's tool). */
  target?: string
}

/** Where a real-time caller's wall time is taken in: a call begins (by its kind) or ends. */
export type WallClockPoint = 'http' | 'http-end' | 'serve' | 'open' | 'close' | 'model' | 'model-end'

export interface TaskEnvironmentOptions {
  seed: number
  scenario: string
  task: string
  world: TaskWorld
  faults: readonly ResolvedFault[]
  clock: VirtualClock
  trace: TraceSink
  /** Tools the scenario declares; the origins of those with `request:`, and only theirs, may be reached. */
  tools?: Record<string, DeclaredToolSpec>
  /** MCP servers the scenario declares; a real one's origin may be reached. */
  mcp?: Record<string, McpServerSpec>
  /** Further origins the task may reach for real (the success oracle's). */
  origins?: string[]
  /**
   * The caller runs in real time (an agent): wall time that passes between calls is added to the
   * clock, so durations are real latency plus virtual waits.
   */
  realTime?: boolean
  /** A model endpoint the scenario declares (`llm:`): answered by its script, on its own origin. */
  llm?: LlmSpec
  /** The model endpoint answers from this cassette (record or replay) instead of a script. */
  cassette?: TaskCassette
  /**
   * Real-time callers only: the longest a `Timeout` fault holds a request open when the client sets
   * no deadline of its own (the agent's time limit). @default the fault's latency
   */
  hangLimitMs?: number
}

/** A call opened outside `serve`: its index, when it began, and the fault's wire form if one hit it. */
export interface OpenCall {
  call: number
  at: number
  wire: FaultWire | undefined
}

/** A declared real tool with its `${env...}` references resolved. */
export interface ResolvedHttpTool {
  name: string
  method: string
  url: string
  /** `METHOD origin/path`: what a request is matched on (query strings differ between calls). */
  target: string
  headers: Record<string, string>
  spec: HttpToolSpec
}

/** One request the task made, as the router saw it; agents' metrics come from these. */
export interface CallRecord {
  call: number
  /** Declared tool name, built-in tool name, or `METHOD url` for an undeclared target. */
  tool: string
  /** Method and URL without query: a step of an agent is a distinct target. */
  target: string
  step: number | undefined
  purpose: CallPurpose
  at: number
  /** Status the caller got; null while unknown (passthrough not answered yet) or for no answer. */
  status: number | null
  result: 'ok' | 'http_error' | 'timeout' | 'network' | 'pending'
  faulted: boolean
  sideEffect: boolean
  /** A 401 that fresh credentials cure (an MCP token that expired mid-session): not a refusal. */
  renewable?: true
  /** Ground truth: a lying fault changed this answer (a 200 that is false). */
  lie?: LyingFaultType
  /** The write was applied again: the same tool and arguments already took effect in this task. */
  duplicate?: boolean
  /** Idempotency-Key the request carried, for the client verdicts. */
  idempotencyKey?: string
  /** Retry-After of the answer, in ms, when it had one. */
  retryAfterMs?: number
  /** Virtual ms the call took, once answered. */
  latencyMs?: number
  /** The caller gave up on the call itself (its own deadline or signal). */
  clientAborted?: boolean
}

export type ExternalRoute =
  | { kind: 'not_declared' }
  | { kind: 'passthrough'; call: number }
  | { kind: 'answer'; answer: ServedAnswer }

/**
 * Everything one task's tool calls reach: its world, its fault plan and its clock. The tool server
 * finds the environment of the task that made a request and hands the request to `serve`.
 */
export class TaskEnvironment {
  readonly world: WorldState
  readonly initialWorld: TaskWorld
  readonly clock: VirtualClock
  /** Ground truth of every injected fault, in call order. Never handed to a strategy. */
  readonly injected: (InjectedFault & { call: number; step?: number | undefined })[] = []
  readonly calls: CallRecord[] = []
  readonly httpTools: ResolvedHttpTool[]
  private readonly origins: Set<string>
  private readonly plan: FaultPlan
  private checkpoint: WorldSnapshot
  private callCounter = 0
  private wallSyncedAt = performance.now()
  private readonly ended = new AbortController()
  /** The scenario's model endpoint, when it declares one. */
  readonly model: ModelEndpoint | undefined
  /** Each record as it was before the task's last write to it: what StaleData answers. */
  private readonly earlierRecords = new Map<string, Record<string, unknown>>()
  /** Writes applied so far (tool and arguments), to tell a write applied twice. */
  private readonly appliedWrites = new Set<string>()

  /**
   * Adds the wall time since the last call to the clock (real-time callers only); `point` names
   * what happens now (a call of some kind begins or ends) and `subject` what it is about (`METHOD
   * URL`, a tool's name). With a cassette, the cassette says how much of it counts: a replay of the
   * same run counts the recording's time (`TaskCassette.wallGap`), and the trace says where a
   * replay stopped being the same run.
   */
  syncWallClock(point: WallClockPoint, subject?: string): void {
    if (!this.options.realTime) return
    const now = performance.now()
    const cassette = this.options.cassette
    if (!cassette) {
      this.clock.advance(now - this.wallSyncedAt)
      this.wallSyncedAt = now
      return
    }
    this.clock.advance(cassette.wallGap(point, subject, now - this.wallSyncedAt))
    this.wallSyncedAt = now
    const divergence = cassette.takeDivergence()
    if (divergence) this.options.trace.emit({ type: 'cassette:timing', ...divergence, at: this.clock.now() })
  }

  constructor(private readonly options: TaskEnvironmentOptions) {
    this.world = createWorld(options.world)
    this.initialWorld = options.world
    this.clock = options.clock
    this.checkpoint = snapshotWorld(this.world)
    const httpTools = Object.entries(options.tools ?? {}).filter((entry): entry is [string, HttpToolSpec] => entry[1].request !== undefined)
    this.httpTools = httpTools.map(([name, spec]) => {
      const url = interpolateEnv(spec.request.url)
      const headers = Object.entries(spec.request.headers ?? {}).map(([key, value]) => [key, interpolateEnv(value)])
      return { name, method: spec.request.method, url, target: targetOf(spec.request.method, new URL(url)), headers: Object.fromEntries(headers), spec }
    })
    this.origins = new Set([...this.httpTools.map((tool) => new URL(tool.url).origin), ...(options.origins ?? [])])
    for (const server of Object.values(options.mcp ?? {})) if (server.url !== undefined) this.origins.add(new URL(interpolateEnv(server.url)).origin)
    const faults = options.faults.map((fault) =>
      fault.target ? { ...fault, target: { ...fault.target, url: interpolateEnv(fault.target.url) } } : fault,
    )
    for (const fault of faults) if (fault.target) this.origins.add(originOfPattern(fault.target.url))
    this.plan = createFaultPlan({
      seed: options.seed,
      scenario: options.scenario,
      task: options.task,
      faults,
      auditSeq: () => this.world.audit_log.length,
      recoveredSince: (since) =>
        this.world.audit_log.some((entry) => entry.seq >= since && (entry.kind === 'rollback' || entry.kind === 'compensation')),
    })
    this.model = options.llm
      ? new ModelEndpoint(options.llm, {
          seed: options.seed,
          scenario: options.scenario,
          task: options.task,
          clock: options.clock,
          trace: options.trace,
          taskSignal: this.ended.signal,
          cassette: options.cassette,
          syncWallClock: (point, subject) => this.syncWallClock(point, subject),
          beginCall: (method, url) => this.beginModelCall(method, url),
          finishCall: (call, status, result) => {
            const record = this.calls.find((candidate) => candidate.call === call)
            if (!record) return
            record.status = status
            record.result = result
          },
        })
      : undefined
  }

  /**
   * The task is over: whatever still hangs on it (a model call held open by a Timeout or a
   * StreamStall) lets go, so nothing outlives its task.
   */
  end(): void {
    this.ended.abort(new Error('the task ended'))
  }

  /** Origins answered inside the process (the model endpoint), never reaching the network. */
  virtualResponderFor(url: URL): ((request: Request) => Promise<Response>) | undefined {
    const model = this.model
    return model?.handles(url) ? (request) => model.respond(request) : undefined
  }

  private beginModelCall(method: string, url: string): { call: number; injected: InjectedFault | undefined } {
    const index = this.callCounter++
    const at = this.clock.now()
    const parsed = new URL(url)
    this.calls.push({ call: index, tool: modelToolName, target: targetOf(method, parsed), step: undefined, purpose: 'model', at, status: null, result: 'pending', faulted: false, sideEffect: false })
    const injected = this.plan.decide({ tool: modelToolName, step: undefined, method, url })
    if (injected) {
      this.calls[this.calls.length - 1]!.faulted = true
      this.injected.push({ ...injected, call: index })
      const { fault } = injected
      this.options.trace.emit({ type: 'fault:injected', call: index, faultId: fault.id, faultType: fault.type, layer: injected.layer, mode: fault.mode, step: null, tool: modelToolName, attempt: injected.attempt, at })
    }
    return { call: index, injected }
  }

  private announced: { step: number | undefined; purpose: CallPurpose } | undefined

  /** A request the router refused (an origin no scenario names): a fact for the trace. */
  reportBlocked(message: string): void {
    this.options.trace.emit({ type: 'task:error', where: 'router', message, at: this.clock.now() })
  }

  /** The executor says what its next request is for; the router takes it (agents announce nothing). */
  announceCall(call: { step: number | undefined; purpose: CallPurpose }): void {
    this.announced = call
  }

  takeAnnouncedCall(): { step: number | undefined; purpose: CallPurpose } {
    const call = this.announced ?? { step: undefined, purpose: 'step' as const }
    this.announced = undefined
    return call
  }

  /** Calls served so far; the index of the next call. */
  get callCount(): number {
    return this.callCounter
  }

  /** Whether a scenario names `origin` (a declared tool, a fault target or the oracle's service). */
  declares(origin: string): boolean {
    return this.origins.has(origin)
  }

  httpToolNamed(name: string): ResolvedHttpTool | undefined {
    return this.httpTools.find((tool) => tool.name === name)
  }

  /**
   * A request to a real service: the fault plan decides first; without a fault the request goes
   * through to the service. Origins no scenario names are refused, so nothing leaves by accident.
   */
  async routeExternal(call: {
    method: string
    url: string
    step: number | undefined
    purpose: CallPurpose
    signal: AbortSignal | undefined
    idempotencyKey?: string | undefined
  }): Promise<ExternalRoute> {
    const url = new URL(call.url)
    if (!this.origins.has(url.origin)) return { kind: 'not_declared' }
    this.syncWallClock('http', `${call.method} ${call.url}`)
    const target = targetOf(call.method, url)
    const declared = this.httpTools.find((tool) => tool.target === target)
    const tool = declared?.name ?? target
    const sideEffect = declared ? (declared.spec.side_effect ?? declared.method !== 'GET') : call.method !== 'GET'
    const index = this.callCounter++
    const at = this.clock.now()
    const record: CallRecord = { call: index, tool, target, step: call.step, purpose: call.purpose, at, status: null, result: 'pending', faulted: false, sideEffect }
    if (call.idempotencyKey !== undefined) record.idempotencyKey = call.idempotencyKey
    this.calls.push(record)
    const injected = this.plan.decide({ tool, step: call.purpose === 'step' ? call.step : undefined, method: call.method, url: call.url })
    if (!injected) return { kind: 'passthrough', call: index }
    if (isLyingFault(injected.fault.type)) {
      // The schema refuses lies on real services; a plan that gets here anyway tells the trace.
      this.options.trace.emit({ type: 'fault:lie', call: index, faultType: injected.fault.type, lied: false, detail: 'a real service is not rewritten', at })
      return { kind: 'passthrough', call: index }
    }
    record.faulted = true
    const served: ServedCall = { tool, step: call.step, purpose: call.purpose, args: {}, idempotencyKey: undefined, signal: call.signal }
    const answer = await this.injectFault(index, served, at, injected, 0, false, () => undefined)
    this.finishRecord(record, answer, call.signal)
    if (record.result === 'ok') record.result = 'http_error'
    return { kind: 'answer', answer }
  }

  private finishRecord(record: CallRecord, answer: ServedAnswer, signal: AbortSignal | undefined): void {
    if (signal?.aborted) record.clientAborted = true
    record.status = answer.kind === 'json' ? answer.status : null
    record.result =
      answer.kind === 'network' ? 'network' : answer.status === 504 && record.faulted ? 'timeout' : answer.status < 400 ? 'ok' : 'http_error'
    record.latencyMs = this.clock.now() - record.at
    const retryAfter = answer.kind === 'json' ? Number(answer.headers['Retry-After'] ?? answer.headers['retry-after']) : Number.NaN
    if (Number.isFinite(retryAfter) && retryAfter >= 0) record.retryAfterMs = retryAfter * 1000
  }

  /**
   * The answer a passthrough call got from the real service. Without `latencyMs` (a cassette's
   * answer), the call ends on the task's clock: a replay of the same run takes the recording's
   * latency, so the client verdicts that read it (hot loops, deadlines) judge the same call alike.
   */
  completeCall(call: number, status: number | null, latencyMs?: number, replayed = false): void {
    const record = this.calls.find((candidate) => candidate.call === call)
    if (!record) return
    if (latencyMs === undefined) {
      this.syncWallClock('http-end', record.target)
      latencyMs = this.clock.now() - record.at
    }
    record.status = status
    record.result = status === null ? 'network' : status < 400 ? 'ok' : 'http_error'
    record.latencyMs = latencyMs
    this.options.trace.emit({ type: 'tool:serve', call, tool: record.tool, step: record.step ?? null, purpose: record.purpose, at: record.at, latencyMs, status: status ?? 'network', replayed })
  }

  /** The task's cassette: its real HTTP calls are recorded into it, or answered from it, instead of passing through. */
  get cassette(): TaskCassette | undefined {
    return this.options.cassette
  }

  /** Ground truth: a lying fault changed this call's answer (for ABD); `faultable` and MCP tools say so here. */
  markLie(call: number, type: LyingFaultType): void {
    const record = this.calls.find((entry) => entry.call === call)
    if (record) record.lie = type
  }

  /** Ground truth: the lying fault that changed this call's answer, if one did. */
  lieOf(call: number): LyingFaultType | undefined {
    return this.calls.find((entry) => entry.call === call)?.lie
  }

  /**
   * The fault plan's decision for one call of a tool that is not an HTTP request of the executor:
   * a function called in process (`faultable`) or a tool of an MCP server. Call once per call.
   */
  decideFault(tool: string): InjectedFault | undefined {
    return this.plan.decide({ tool, step: undefined })
  }

  /**
   * Opens the record of a call that does not go through `serve`: an in-process function or an MCP
   * protocol answer. With a fault, its ground truth goes into the trace here, as for HTTP calls.
   */
  openCall(call: { tool: string; target: string; sideEffect: boolean; injected: InjectedFault | undefined; renewable?: true }): OpenCall {
    this.syncWallClock('open', call.tool)
    const index = this.callCounter++
    const at = this.clock.now()
    const record: CallRecord = { call: index, tool: call.tool, target: call.target, step: undefined, purpose: 'step', at, status: null, result: 'pending', faulted: call.injected !== undefined, sideEffect: call.sideEffect, ...(call.renewable ? { renewable: true as const } : {}) }
    this.calls.push(record)
    if (!call.injected) return { call: index, at, wire: undefined }
    this.recordInjected(index, call.tool, undefined, at, call.injected)
    const jitter = createRandom(hashSeed(this.options.seed, this.options.scenario, this.options.task, 'fault-jitter', index)).next()
    return { call: index, at, wire: faultWire(call.injected.fault, jitter) }
  }

  /** Closes a call opened with `openCall`: what the caller got, and how long it took. */
  closeCall(call: number, answer: { status: number | 'network' | 'hang'; result: CallRecord['result']; latencyMs?: number }): void {
    const record = this.calls.find((candidate) => candidate.call === call)
    this.syncWallClock('close', record?.tool)
    if (!record) return
    record.status = typeof answer.status === 'number' ? answer.status : null
    record.result = answer.result
    const latencyMs = answer.latencyMs ?? this.clock.now() - record.at
    this.options.trace.emit({ type: 'tool:serve', call, tool: record.tool, step: null, purpose: record.purpose, at: record.at, latencyMs, status: answer.status, replayed: false })
  }

  /** A tool declared without `request:` (served by a simulated MCP server from its `result:`). */
  declaredTool(name: string): DeclaredToolSpec | undefined {
    return Object.hasOwn(this.options.tools ?? {}, name) ? this.options.tools![name] : undefined
  }

  /** The MCP servers the scenario declares. */
  get mcpServers(): Readonly<Record<string, McpServerSpec>> {
    return this.options.mcp ?? {}
  }

  private recordInjected(index: number, tool: string, step: number | undefined, at: number, injected: InjectedFault): void {
    this.injected.push({ ...injected, call: index })
    const { fault } = injected
    this.options.trace.emit({
      type: 'fault:injected',
      call: index,
      faultId: fault.id,
      faultType: fault.type,
      layer: injected.layer,
      mode: fault.mode,
      step: step ?? null,
      tool,
      attempt: injected.attempt,
      at,
    })
  }

  faultOf(call: number): InjectedFault | undefined {
    return this.injected.find((entry) => entry.call === call)
  }

  async serve(call: ServedCall): Promise<ServedAnswer> {
    this.syncWallClock('serve', call.tool)
    const index = this.callCounter++
    const at = this.clock.now()
    const record: CallRecord = {
      call: index,
      tool: call.tool,
      target: call.target ?? `POST ${toolServiceOrigin}/tools/${call.tool}`,
      step: call.step,
      purpose: call.purpose,
      at,
      status: null,
      result: 'pending',
      faulted: false,
      sideEffect: isBuiltinTool(call.tool) ? builtinToolSpecs[call.tool].sideEffect : this.declaredTool(call.tool)?.side_effect === true,
    }
    if (call.idempotencyKey !== undefined) record.idempotencyKey = call.idempotencyKey
    this.calls.push(record)
    const answer = await this.serveBuiltin(call, index, at, record)
    this.finishRecord(record, answer, call.signal)
    return answer
  }

  private async serveBuiltin(call: ServedCall, index: number, at: number, record: CallRecord): Promise<ServedAnswer> {
    const declared = isBuiltinTool(call.tool) ? undefined : this.declaredTool(call.tool)
    const spec = isBuiltinTool(call.tool)
      ? builtinToolSpecs[call.tool]
      : declared && declared.request === undefined
        ? { sideEffect: declared.side_effect ?? false, baseLatencyMs: 0 }
        : undefined
    if (!spec) {
      return this.answer(index, call, at, 0, false, {
        status: 404,
        body: { ok: false, error: { code: 'unknown_tool', message: `no tool named ${call.tool}` } },
      })
    }
    const jitter = createRandom(hashSeed(this.options.seed, this.options.scenario, this.options.task, 'latency', index)).next()
    const baseLatency = Math.round(spec.baseLatencyMs * (0.75 + 0.5 * jitter))
    // Step-targeted faults hit the workflow's own calls, not the rollbacks and tickets made for it.
    const injected = call.decided !== undefined ? (call.decided ?? undefined) : this.plan.decide({ tool: call.tool, step: call.purpose === 'step' ? call.step : undefined })

    if (!injected) {
      const { answer, replayed } = this.execute(call, spec.sideEffect)
      await this.clock.sleep(baseLatency, call.signal)
      // A write whose answer the deadline cut off is not a successful step: rollback must undo it.
      if (answer.status < 300 && spec.sideEffect && !call.signal?.aborted) this.checkpoint = snapshotWorld(this.world)
      return this.answer(index, call, at, baseLatency, replayed, answer)
    }

    record.faulted = true
    return this.injectFault(index, call, at, injected, baseLatency, spec.sideEffect, () => this.writePartially(call))
  }

  private async injectFault(
    index: number,
    call: ServedCall,
    at: number,
    injected: InjectedFault,
    baseLatency: number,
    sideEffect: boolean,
    writePartially: () => void,
  ): Promise<ServedAnswer> {
    this.recordInjected(index, call.tool, call.step, at, injected)
    // The breakdowns place a fault by the workflow step it hit; rollbacks and tickets are outside it.
    this.injected[this.injected.length - 1]!.step = call.purpose === 'step' ? call.step : undefined
    const { fault } = injected
    const jitter = createRandom(hashSeed(this.options.seed, this.options.scenario, this.options.task, 'fault-jitter', index)).next()
    const wire = faultWire(fault, jitter)
    if (wire.kind === 'timeout') {
      if (wire.applied && isBuiltinTool(call.tool)) this.execute(call, sideEffect)
      // User code has real deadlines (its client's timer or AbortSignal): the request is really
      // held open until the client gives up or the latency passes, and the wait it saw is recorded.
      // The clock catches up with that wall time at the next call. The executor's deadline is virtual.
      let waited = wire.latencyMs
      if (this.options.realTime) waited = await holdOpen(Math.min(wire.latencyMs, this.options.hangLimitMs ?? wire.latencyMs), call.signal)
      else await this.clock.sleep(wire.latencyMs, call.signal)
      this.emitServe(index, call, at, waited, 'hang', false)
      return { kind: 'json', status: 504, headers: this.hashHeaders(), body: { ok: false, error: { code: 'gateway_timeout', message: 'no answer' } } }
    }
    if (wire.kind === 'lie') return this.lie(index, call, at, wire.type, baseLatency + wire.latencyMs, sideEffect)
    if (wire.kind === 'network') {
      await this.clock.sleep(wire.latencyMs, call.signal)
      this.emitServe(index, call, at, wire.latencyMs, 'network', false)
      return { kind: 'network' }
    }
    if (wire.write === 'partial') writePartially()
    const latency = baseLatency + wire.latencyMs
    await this.clock.sleep(latency, call.signal)
    return this.answer(index, call, at, latency, false, { status: wire.status, body: wire.body as ToolAnswer['body'] }, wire.headers)
  }

  /**
   * A lying fault: the tool runs as usual (a SilentNoOp write runs on a copy of the world and is
   * dropped), then its true answer is made false by `applyLyingFault`. Error answers are left as
   * they are: there is nothing to lie about.
   */
  private async lie(index: number, call: ServedCall, at: number, type: LyingFaultType, latency: number, sideEffect: boolean): Promise<ServedAnswer> {
    const implementation = isBuiltinTool(call.tool) && call.tool !== 'rollback' ? builtinTools[call.tool as keyof typeof builtinTools] : undefined
    const random = createRandom(hashSeed(this.options.seed, this.options.scenario, this.options.task, 'lie', index))
    let answer: ToolAnswer
    let replayed = false
    const silent = type === 'SilentNoOp' && sideEffect && implementation !== undefined
    if (silent) {
      answer = implementation(cloneData(this.world), call.args)
    } else {
      ;({ answer, replayed } = this.execute(call, sideEffect))
    }
    await this.clock.sleep(latency, call.signal)
    if (answer.status < 300 && sideEffect && !silent && !call.signal?.aborted) this.checkpoint = snapshotWorld(this.world)
    let why: string
    let body = answer.body
    if (answer.status >= 300 || !body.ok) why = 'the true answer is an error'
    else if (type === 'SilentNoOp' && !silent) why = 'not a write'
    else {
      const result = body.result
      const outcome = applyLyingFault(type, result, { random: () => random.next(), ...this.lieContext(call, type, result, random.next()) })
      if (outcome.lied) {
        body = { ok: true, result: outcome.value as Record<string, unknown> }
        this.markLie(index, type)
        this.options.trace.emit({ type: 'fault:lie', call: index, faultType: type, lied: true, detail: outcome.change, at })
        return this.answer(index, call, at, latency, replayed, { status: answer.status, body })
      }
      why = outcome.why
    }
    this.options.trace.emit({ type: 'fault:lie', call: index, faultType: type, lied: false, detail: why, at })
    return this.answer(index, call, at, latency, replayed, answer)
  }

  /** What StaleData and WrongEntity answer with, for a result that carries a `record`. */
  private lieContext(call: ServedCall, type: LyingFaultType, result: Record<string, unknown>, draw: number): { earlier?: unknown; other?: unknown } {
    const id = call.args['record_id'] ?? call.args['order_id']
    if (typeof id !== 'string' || !('record' in result)) return {}
    if (type === 'StaleData') {
      const earlier = this.earlierRecords.get(id)
      return earlier ? { earlier: { ...result, record: cloneData(earlier) } } : {}
    }
    if (type === 'WrongEntity') {
      const others = Object.keys(this.world.records).filter((other) => other !== id).sort()
      if (others.length === 0) return {}
      const other = others[Math.floor(draw * others.length)]!
      return { other: { ...result, record_id: other, record: cloneData(this.world.records[other]) } }
    }
    return {}
  }

  /** Restores the world to the state after the last successful side-effecting call. */
  rollback(): void {
    restoreWorld(this.world, this.checkpoint)
    appendAudit(this.world, 'rollback', 'rollback')
    // What was undone may be written again without being written twice.
    this.appliedWrites.clear()
  }

  private execute(call: ServedCall, sideEffect: boolean): { answer: ToolAnswer; replayed: boolean } {
    if (call.tool === 'rollback') {
      this.rollback()
      return { answer: { status: 200, body: { ok: true, result: { restored: true } } }, replayed: false }
    }
    const key = sideEffect ? call.idempotencyKey : undefined
    const stored = key === undefined ? undefined : this.world.idempotency[key]
    if (stored) return { answer: stored as ToolAnswer, replayed: true }
    const declared = isBuiltinTool(call.tool) ? undefined : this.declaredTool(call.tool)
    const before = sideEffect ? cloneData(this.world.records) : undefined
    const answer: ToolAnswer = declared
      ? { status: 200, body: { ok: true, result: cloneData((declared.result ?? {}) as Record<string, unknown>) } }
      : builtinTools[call.tool as keyof typeof builtinTools](this.world, call.args)
    if (before && answer.status < 300) this.rememberWrite(call, before)
    if (call.purpose === 'compensation' && answer.status < 300) appendAudit(this.world, 'compensation', call.tool)
    if (key !== undefined && answer.status < 300) this.world.idempotency[key] = cloneData(answer)
    return { answer, replayed: false }
  }

  /** Keeps each changed record's earlier state, and notes a workflow write applied a second time. */
  private rememberWrite(call: ServedCall, before: WorldState['records']): void {
    for (const [id, earlier] of Object.entries(before)) {
      if (stableStringify(earlier) !== stableStringify(this.world.records[id])) this.earlierRecords.set(id, earlier)
    }
    if (call.purpose !== 'step') return
    const write = `${call.tool}\u0000${stableStringify(call.args)}`
    if (this.appliedWrites.has(write)) {
      const record = this.calls[this.calls.length - 1]
      if (record) record.duplicate = true
    } else this.appliedWrites.add(write)
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

/**
 * Waits `ms` or until `signal` aborts, on the timers in force (Vitest's fake timers included, so a
 * client on fake timers gives up when the test advances them); resolves with the time waited.
 */
function holdOpen(ms: number, signal: AbortSignal | undefined): Promise<number> {
  const startedAt = Date.now()
  if (signal?.aborted) return Promise.resolve(0)
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve(Date.now() - startedAt)
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

function targetOf(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`
}

/** The origin of a URL pattern, up to its first wildcard: `http://127.0.0.1:4000/charge*`. */
function originOfPattern(pattern: string): string {
  try {
    return new URL(pattern.split('*')[0]!).origin
  } catch {
    return pattern
  }
}
