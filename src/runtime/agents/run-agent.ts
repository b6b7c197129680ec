import { createHash } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { defaultExecutorOptions } from '../executor/executor-options.ts'
import { faultHitsOf } from '../executor/fault-hits.ts'
import { actedOnBadData, judgeClient } from '../verdicts/client-verdicts.ts'
import type { TraceSink } from '../executor/trace-events.ts'
import type { TaskSummary } from '../executor/task-summary.ts'
import { createRandom, hashSeed } from '../random.ts'
import { checkConsistency } from '../saga/consistency-oracle.ts'
import { judgeTask, successCheckOrigins } from '../saga/success-oracle.ts'
import type { LlmPrice, Outcome } from '../scenario/schema.ts'
import { costOf } from '../llm/model-usage.ts'
import { serveModelOrigin } from '../llm/model-origin.ts'
import type { TaskSpec } from '../scenario/task-spec.ts'
import { type CallRecord, TaskEnvironment } from '../tools/task-environment.ts'
import { fetchAroundInterception, runInTask } from '../interception/index.ts'
import { TaskCassette, type CassetteOptions } from '../cassettes/index.ts'
import { interpolateEnv } from '../http/env-interpolation.ts'
import { ensureMcpServers } from '../mcp/mcp-responder.ts'
import { createVirtualClock } from '../virtual-clock.ts'

/** What an agent gets: its input, seeded randomness, a clock whose sleeps cost no wall time. */
export interface AgentContext {
  /** The agent's name in the config (its project), e.g. `shop-v2`: keep each version's state apart. */
  agent: string
  /** The scenario's `name:`. */
  scenario: string
  /** The task's id within the scenario (`main` for a scenario with one input). */
  task: string
  /** Which trial of the task this is, from 0 (see `repeats`). */
  repeat: number
  input: unknown
  random(): number
  clock: { now(): number; sleep(ms: number): Promise<void> }
  /** Aborted when the agent runs past its time limit. */
  signal: AbortSignal
}

/** An agent may say it handed the task to a human; anything else it returns means "done". */
export type AgentResult = void | undefined | { escalated: true; reason?: string } | Record<string, unknown>

export type AgentRun = (context: AgentContext) => Promise<AgentResult> | AgentResult

export async function loadAgent(
  modulePath: string,
  importModule: (id: string) => Promise<unknown> = (id) => import(id),
): Promise<AgentRun> {
  const loaded = (await importModule(pathToFileURL(modulePath).href)) as Record<string, unknown>
  const run = loaded['default'] ?? loaded['run']
  if (typeof run !== 'function') {
    throw new Error(`[awrr] Agent module "${modulePath}" must export a function \`run(ctx)\` (as default or named \`run\`).`)
  }
  return run as AgentRun
}

export interface RunAgentInput {
  task: TaskSpec
  scenario: string
  file: string
  seed: number
  batch: number
  agentName: string
  /** Trial of the task, from 0. @default 0 */
  repeat?: number
  run: AgentRun
  trace: TraceSink
  tracePath: string
  /** Wall-clock limit for one agent run. @default 30000 */
  timeoutMs?: number
  /** Model prices per million tokens, for the task's cost. */
  prices?: Record<string, LlmPrice>
  /** Where the model endpoint's cassette is, when it answers from one (no `script:`). */
  cassette?: Omit<CassetteOptions, 'fetchReal' | 'episode' | 'plan'>
  /** Problems of the harness, not of the agent (a request the cassette has no answer for): each fails the test. */
  harnessErrors?: string[]
}

class AgentTimeout extends Error {
  override readonly name = 'AgentTimeout'
}

/**
 * Runs the user's agent on one task: its HTTP calls go through the same router as the executor's,
 * so faults are injected and every call is recorded; the outcome comes from the scenario's
 * oracle. An agent that throws or hangs ends `failed` with its error in the trace.
 */
export async function runAgentTask(input: RunAgentInput): Promise<TaskSummary> {
  const { task, scenario, seed } = input
  const clock = createVirtualClock()
  const trace = input.trace
  // The base URL may name the real endpoint through `${env.NAME}` (a cassette's): filled in here.
  const llm = task.llm ? { ...task.llm, base_url: interpolateEnv(task.llm.base_url) } : undefined
  if (llm) serveModelOrigin(llm.base_url)
  const cassette =
    llm && input.cassette ? new TaskCassette({ ...input.cassette, episode: episodeOf(input), plan: planOf(seed, task), fetchReal: fetchAroundInterception }) : undefined
  if (task.mcp) ensureMcpServers()
  const environment = new TaskEnvironment({
    seed,
    scenario,
    task: task.id,
    world: task.world,
    faults: task.faults,
    clock,
    trace,
    realTime: true,
    hangLimitMs: input.timeoutMs ?? 30_000,
    ...(task.tools ? { tools: task.tools } : {}),
    ...(task.mcp ? { mcp: task.mcp } : {}),
    origins: successCheckOrigins(task.success),
    ...(llm ? { llm } : {}),
    ...(cassette ? { cassette } : {}),
  })
  trace.emit({ type: 'task:start', task: task.id, scenario, strategy: input.agentName, seed, at: 0 })
  const random = createRandom(hashSeed(seed, scenario, task.id, 'agent', input.agentName))
  const controller = new AbortController()
  const context: AgentContext = {
    agent: input.agentName,
    scenario,
    task: task.id,
    repeat: input.repeat ?? 0,
    input: structuredClone(task.input),
    random: () => random.next(),
    clock: { now: () => clock.now(), sleep: (ms) => clock.sleep(Math.max(0, ms)) },
    signal: controller.signal,
  }

  let outcome: Outcome
  let reason: string
  let timer: NodeJS.Timeout | undefined
  try {
    const limit = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new AgentTimeout(`agent ran past ${input.timeoutMs ?? 30_000} ms`)), input.timeoutMs ?? 30_000)
    })
    const result = await runInTask(environment, () => Promise.race([Promise.resolve().then(() => input.run(context)), limit]))
    if (result && typeof result === 'object' && (result as { escalated?: unknown }).escalated === true) {
      outcome = 'escalated'
      reason = String((result as { reason?: unknown }).reason ?? 'agent_escalated')
    } else {
      environment.announceCall({ step: undefined, purpose: 'oracle' })
      // An oracle that cannot judge ends the task with its own reason, not as the agent's error.
      const ending = await runInTask(environment, () => judgeTask(task.success, environment.world, trace, () => clock.now()))
      outcome = ending.outcome
      reason = ending.reason
    }
  } catch (error) {
    const timedOut = error instanceof AgentTimeout
    controller.abort(error)
    outcome = 'failed'
    reason = timedOut ? 'agent_timeout' : 'agent_error'
    trace.emit({ type: 'task:error', where: 'agent', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error), at: clock.now() })
  } finally {
    clearTimeout(timer)
    environment.end()
  }
  if (cassette) {
    await cassette.flush()
    if (cassette.misses.length > 0) {
      // The agent met an answer the cassette does not have: not a measurement of the agent.
      outcome = 'failed'
      reason = 'cassette_miss'
      input.harnessErrors?.push(...cassette.misses)
    }
  }

  const calls = environment.calls.filter((call) => call.purpose === 'step')
  const metrics = callMetrics(calls)
  const modelUse = environment.model && environment.model.usage.calls > 0 ? environment.model.usage : undefined
  const verdict = checkConsistency(environment.initialWorld, environment.world, outcome === 'completed')
  trace.emit({ type: 'task:final', outcome, reason, consistent: verdict.consistent, at: clock.now() })
  return {
    v: 1,
    id: task.id,
    scenario,
    file: input.file,
    strategy: input.agentName,
    seed,
    index: task.index,
    batch: input.batch,
    outcome,
    reason,
    toolCalls: calls.length,
    stepsReached: metrics.targets,
    steps: metrics.targets,
    virtualMs: clock.now(),
    errorEvents: metrics.errorEvents,
    recoveredEvents: metrics.recoveredEvents,
    recoveryMsTotal: metrics.recoveryMsTotal,
    unsafeAction: metrics.unsafeAction,
    sideEffectsStarted: metrics.sideEffectsStarted,
    consistent: verdict.consistent,
    inconsistencies: verdict.problems,
    compensations: [],
    diagnoses: [],
    diagnoserCalls: 0,
    memoryHits: 0,
    tokens: modelUse ? modelUse.promptTokens + modelUse.completionTokens : 0,
    ...(modelUse
      ? { llmCalls: modelUse.calls, promptTokens: modelUse.promptTokens, completionTokens: modelUse.completionTokens, costUsd: costOf(modelUse, input.prices) }
      : {}),
    trace: input.tracePath,
    clock: 'mixed',
    faultHits: faultHitsOf(environment.injected, metrics.targets),
    // An agent's checks are its own: every lying answer it got counts as accepted.
    lies: actedOnBadData(environment.calls, new Set()),
    verdicts: judgeClient(environment.calls, { attemptTimeoutMs: defaultExecutorOptions.attemptTimeoutMs }),
  }
}

/** Who a cassette's answers belong to: the agent, scenario, task and (after the first) the trial. */
function episodeOf(input: RunAgentInput): string {
  return `${input.agentName} ${input.scenario}/${input.task.id}${input.repeat ? `#${input.repeat}` : ''}`
}

/** What decides the faults a task meets: its seed and fault plan, as a digest (a cassette's time line is counted only under the same). */
function planOf(seed: number, task: TaskSpec): string {
  return createHash('sha256').update(JSON.stringify([seed, task.faults])).digest('hex').slice(0, 16)
}

/** An agent's steps are its distinct request targets; a repeat of a target is a retry. */
export function callMetrics(calls: readonly CallRecord[]) {
  const open = new Map<string, number[]>()
  let errorEvents = 0
  let recoveredEvents = 0
  let recoveryMsTotal = 0
  let sideEffectsStarted = false
  let unsafeAction = false
  let authAnswerSeen = false
  for (const call of calls) {
    if (call.sideEffect && authAnswerSeen) unsafeAction = true
    if (call.result === 'ok') {
      for (const errorAt of open.get(call.target) ?? []) {
        recoveredEvents++
        recoveryMsTotal += call.at - errorAt
      }
      open.delete(call.target)
      if (call.sideEffect) sideEffectsStarted = true
      continue
    }
    errorEvents++
    if ((call.status === 401 && !call.renewable) || call.status === 403) authAnswerSeen = true
    open.set(call.target, [...(open.get(call.target) ?? []), call.at])
  }
  return { targets: new Set(calls.map((call) => call.target)).size, errorEvents, recoveredEvents, recoveryMsTotal, sideEffectsStarted, unsafeAction }
}
