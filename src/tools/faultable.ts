import { currentTaskEnvironment } from '../runtime/tools/current-task.ts'
import type { FaultWire } from '../runtime/faults/fault-wire.ts'
import type { TaskEnvironment } from '../runtime/tools/task-environment.ts'
import { abortError, connectionResetError, ToolHttpError } from './tool-errors.ts'
import { applyLyingFault } from '../runtime/faults/lying-faults.ts'
import { createRandom, hashSeed } from '../runtime/random.ts'

/** The last result of each tool per task: the earlier state a StaleData lie answers with. */
const lastResults = new WeakMap<TaskEnvironment, Map<string, unknown>>()

export interface FaultableOptions<Args extends unknown[]> {
  /**
   * The call changes the world (a write, a payment): counted for UAR and side-effect metrics.
   * A tool declared in the scenario says so itself (`side_effect:`); this wins.
   * @default the scenario's `side_effect`, else false
   */
  sideEffect?: boolean
  /**
   * Where the caller's abort signal is among the arguments: a hung call (Timeout) waits until it
   * aborts, as a real hung request would. Framework adapters set it.
   * @default no signal: a hang ends after its latency on the task's clock with a 504
   */
  signalOf?: (...args: Args) => AbortSignal | undefined
}

/** `fn` with the scenario's faults applied to it under the tool name `name`. */
export type FaultableFunction<Args extends unknown[], Result> = (...args: Args) => Promise<Awaited<Result>>

/**
 * Wraps a tool function so that the faults a scenario declares for tool `name` reach it: inside an
 * AWRR task (an agent project's run), each call goes through the task's seeded fault plan, is
 * recorded in the trace and the task's calls, and a fault is thrown (or hangs, or answers wrongly)
 * the way a failing service would; without a fault the function runs. Outside a task, `fn` is
 * simply called.
 */
export function faultable<Args extends unknown[], Result>(
  name: string,
  fn: (...args: Args) => Result | Promise<Result>,
  options: FaultableOptions<Args> = {},
): FaultableFunction<Args, Result> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('[awrr] faultable(name, fn) needs the tool name the scenario uses.')
  if (typeof fn !== 'function') throw new TypeError(`[awrr] faultable("${name}", fn): fn must be a function (got ${typeof fn}).`)
  const wrapped = async function (this: unknown, ...args: Args): Promise<Awaited<Result>> {
    const environment = currentTaskEnvironment()
    const run = () => fn.apply(this, args) as Promise<Awaited<Result>>
    if (!environment) return await run()
    const sideEffect = options.sideEffect ?? environment.declaredTool(name)?.side_effect ?? false
    const injected = environment.decideFault(name)
    const open = environment.openCall({ tool: name, target: `function ${name}`, sideEffect, injected })
    if (!open.wire) return remember(environment, name, await runRecorded(environment, open.call, run))
    return injectFault(environment, name, open.call, open.wire, run, options.signalOf?.(...args), sideEffect)
  }
  return wrapped
}

/** Runs the real function; what it threw is recorded as an error of the call and thrown on. */
async function runRecorded<Result>(environment: TaskEnvironment, call: number, run: () => Promise<Result>): Promise<Result> {
  try {
    const result = await run()
    environment.closeCall(call, { status: 200, result: 'ok' })
    return result
  } catch (error) {
    const status = statusOf(error)
    environment.closeCall(call, { status: status ?? 500, result: 'http_error' })
    throw error
  }
}

async function injectFault<Result>(
  environment: TaskEnvironment,
  tool: string,
  call: number,
  wire: FaultWire,
  run: () => Promise<Result>,
  signal: AbortSignal | undefined,
  sideEffect: boolean,
): Promise<Result> {
  switch (wire.kind) {
    case 'lie': {
      // The function runs (a SilentNoOp write does not) and its true result is made false.
      const silent = wire.type === 'SilentNoOp' && sideEffect
      const earlier = lastResults.get(environment)?.get(tool)
      const result = silent ? (earlier ?? { ok: true }) : await run()
      await environment.clock.sleep(wire.latencyMs)
      const random = createRandom(hashSeed(tool, 'lie', call))
      const outcome = silent || wire.type !== 'SilentNoOp' ? applyLyingFault(wire.type, result, { random: () => random.next(), earlier }) : undefined
      environment.closeCall(call, { status: 200, result: 'ok' })
      if (!silent) remember(environment, tool, result)
      if (outcome?.lied) environment.markLie(call, wire.type)
      return (outcome?.lied ? outcome.value : result) as Result
    }
    case 'timeout': {
      // `applied`: the work was done and only the answer was lost.
      if (wire.applied) await run().catch(() => undefined)
      try {
        await hang(environment, wire.latencyMs, signal)
      } catch (aborted) {
        environment.closeCall(call, { status: 'hang', result: 'timeout' })
        throw aborted
      }
      environment.closeCall(call, { status: 504, result: 'timeout' })
      throw new ToolHttpError(tool, 504, {}, { ok: false, error: { code: 'gateway_timeout', message: 'no answer' } })
    }
    case 'network':
      await environment.clock.sleep(wire.latencyMs)
      environment.closeCall(call, { status: 'network', result: 'network' })
      throw connectionResetError()
    case 'http': {
      // A write that failed midway: its effect lands, the caller gets an error.
      if (wire.write === 'partial') await run().catch(() => undefined)
      await environment.clock.sleep(wire.latencyMs)
      if (wire.status < 400) {
        // A 200 that breaks the tool's contract: the caller gets the body instead of the result.
        environment.closeCall(call, { status: wire.status, result: 'ok' })
        return wire.body as Result
      }
      environment.closeCall(call, { status: wire.status, result: 'http_error' })
      throw new ToolHttpError(tool, wire.status, wire.headers, wire.body)
    }
  }
}

/**
 * A call that gets no answer. With the caller's signal it waits, in real time, until the caller
 * gives up (up to the fault's latency); without one nothing could end the wait but the latency,
 * which passes on the task's clock at once, as the built-in tool service's hangs do.
 */
function hang(environment: TaskEnvironment, latencyMs: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return environment.clock.sleep(latencyMs)
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, latencyMs)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function remember<Result>(environment: TaskEnvironment, tool: string, result: Result): Result {
  let results = lastResults.get(environment)
  if (!results) lastResults.set(environment, (results = new Map()))
  results.set(tool, result)
  return result
}

function statusOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : undefined
}
