import type { CassetteAnswer, TaskCassette } from '../cassettes/index.ts'
import { currentTask } from '../tools/current-task.ts'
import { type ServedAnswer, type TaskEnvironment, toolServiceOrigin } from '../tools/task-environment.ts'

/**
 * The one place that decides who answers a request leaving the worker. Every interceptor (fetch,
 * node:http, the undici dispatcher) turns what it caught into a `Request` and asks `routeRequest`;
 * the answer says whether AWRR answers it, lets it through to the network, or refuses it.
 */

const toolPathPrefix = '/tools/'

/**
 * A user's MSW handler set answers the requests AWRR does not own; `undefined` means none matched.
 * Both the handlers given to `useHandlers` and the listeners of a user's own `setupServer` adopted
 * by the interception end up as one of these.
 */
export type UserResponder = (request: Request, requestId: string) => Promise<Response | undefined>

/**
 * State every copy of this module in a worker shares: with Vitest's `isolate: true` each test file
 * loads its own copy, while the patched globals (fetch, node:http, undici's dispatcher) stay. The
 * interceptors installed by the first copy must find the task of whichever copy runs it.
 */
interface SharedRouterState {
  virtualOrigins: Map<string, VirtualResponder>
  passthroughOrigins: Set<string>
  userResponders: UserResponder[]
  routed: { count: number }
}

const sharedKey = Symbol.for('awrr.interception.router.1')
const shared: SharedRouterState = ((globalThis as Record<symbol, unknown>)[sharedKey] as SharedRouterState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[sharedKey] = {
    virtualOrigins: new Map(),
    passthroughOrigins: new Set(),
    userResponders: [],
    routed: { count: 0 },
  } satisfies SharedRouterState) as SharedRouterState

// The task whose code is running (shared with awrr/tools' in-process calls, hence its own module).
export { currentTask }

/** The user's handler sets, asked in order for requests AWRR does not own. */
export const userResponders = shared.userResponders

/** What the router decided for one request. */
export type RouteDecision =
  | { kind: 'respond'; response: Response }
  /** A network error for the caller (a refused request, or an injected connection fault). */
  | { kind: 'network_error'; message: string }
  /** Let the request reach the real network; `onSettled` hears how it ended. */
  | { kind: 'passthrough'; onSettled?: (status: number | null, latencyMs: number) => void }

/** What a virtual-origin responder learns about the request besides the request itself. */
export interface VirtualRequestContext {
  /** The task that made the request; undefined outside any task. */
  environment: TaskEnvironment | undefined
  requestId: string
}

/**
 * Answers every request to one origin that no real service has (a scripted model endpoint, an MCP
 * server). Returning undefined refuses the request with a network error.
 */
export type VirtualResponder = (request: Request, context: VirtualRequestContext) => Promise<Response | undefined> | Response | undefined

const virtualOrigins = shared.virtualOrigins

/**
 * The router's extension seam: requests to `origin` are answered by `responder`, inside the same
 * interception as the tool service (so every client library reaches it and it is counted once).
 * Returns a function that removes the registration. Registering an origin twice is an error.
 */
export function registerVirtualOrigin(origin: string, responder: VirtualResponder): () => void {
  const { origin: normalized } = new URL(origin)
  if (normalized === toolServiceOrigin) throw new Error(`[awrr] ${toolServiceOrigin} is the simulated tool service; it cannot be registered again.`)
  if (virtualOrigins.has(normalized)) throw new Error(`[awrr] ${normalized} already has a virtual responder; unregister it first.`)
  virtualOrigins.set(normalized, responder)
  return () => {
    if (virtualOrigins.get(normalized) === responder) virtualOrigins.delete(normalized)
  }
}

/** Origins of real services the user configured (an LLM endpoint), let through to the network. */
const passthroughOrigins = shared.passthroughOrigins

/**
 * Lets requests to `origin` reach the real network from inside the interception, which otherwise
 * rejects every request it does not route. For services the user configured on purpose, such as
 * an LLM diagnoser's endpoint; never the tool service, whose answers must stay simulated.
 */
export function allowPassthroughOrigin(origin: string): void {
  const { origin: normalized } = new URL(origin)
  if (normalized === toolServiceOrigin) throw new Error(`[awrr] ${toolServiceOrigin} is the simulated tool service and cannot be passed through to the network.`)
  passthroughOrigins.add(normalized)
}

/** Requests routed since the counter was last reset; the interception restarts on it. */
export const routed = shared.routed

/**
 * Routes one request; the single decision point for every interceptor. `signal` aborts when the
 * caller gives up (for node:http the request's own signal never does, so the interceptor passes one).
 */
export async function routeRequest(request: Request, requestId: string, signal: AbortSignal = request.signal): Promise<RouteDecision> {
  routed.count++
  const url = new URL(request.url)
  // Before the task lookup: a configured service's calls are the strategy's, never the task's.
  if (passthroughOrigins.has(url.origin)) return { kind: 'passthrough' }
  const environment = currentTask.getStore()
  const virtual = virtualOrigins.get(url.origin)
  if (virtual) {
    const response = await virtual(request, { environment, requestId })
    return response ? { kind: 'respond', response } : refuse(request.url, environment)
  }
  if (!environment) return answerByUser(request, requestId, undefined)
  if (url.origin !== toolServiceOrigin && !environment.declares(url.origin)) return answerByUser(request, requestId, environment)
  const { step, purpose } = environment.takeAnnouncedCall()
  if (url.origin !== toolServiceOrigin) {
    const idempotencyKey = request.headers.get('idempotency-key') ?? undefined
    const route = await environment.routeExternal({ method: request.method, url: request.url, step, purpose, signal, idempotencyKey })
    if (route.kind === 'not_declared') return refuse(request.url, environment)
    if (route.kind === 'passthrough') {
      const call = route.call
      if (environment.cassette) return answerFromCassette(environment, environment.cassette, request, signal, call)
      return { kind: 'passthrough', onSettled: (status, latencyMs) => environment.completeCall(call, status, latencyMs) }
    }
    return toDecision(route.answer)
  }
  if (!url.pathname.startsWith(toolPathPrefix)) return refuse(request.url, environment)

  const tool = decodeURIComponent(url.pathname.slice(toolPathPrefix.length))
  let args: Record<string, unknown> = {}
  const text = await request.text()
  if (text.length > 0) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed as Record<string, unknown>
    } catch {
      return { kind: 'respond', response: Response.json({ ok: false, error: { code: 'bad_request', message: 'body is not JSON' } }, { status: 400 }) }
    }
  }
  const answer = await environment.serve({
    tool,
    step,
    purpose,
    args,
    idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
    signal,
  })
  return toDecision(answer)
}

/**
 * A real service's call in a task that has a cassette: recorded (sent around the interception and
 * written down) or replayed (answered from the cassette, no network). The fault plan has already
 * let it through, so faults meet replayed calls exactly as they meet live ones.
 */
async function answerFromCassette(environment: TaskEnvironment, cassette: TaskCassette, request: Request, signal: AbortSignal, call: number): Promise<RouteDecision> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
  let answer: CassetteAnswer
  try {
    answer = await cassette.answer(request.method, request.url, request.headers, body, signal)
  } catch (error) {
    environment.completeCall(call, null)
    // The cassette's message names the request as written, scrubbed of secrets.
    return { kind: 'network_error', message: error instanceof Error ? error.message : String(error) }
  }
  const replayed = cassette.mode === 'replay'
  if (answer.kind === 'missing') {
    environment.reportBlocked(answer.message)
    environment.completeCall(call, 400, undefined, replayed)
    return { kind: 'respond', response: Response.json({ error: { code: 'cassette_miss', message: answer.message } }, { status: 400 }) }
  }
  const { status, headers, body: text } = answer.response
  environment.completeCall(call, status, undefined, replayed)
  const nullBody = status === 204 || status === 304 || request.method === 'HEAD'
  return { kind: 'respond', response: new Response(nullBody ? null : text, { status, headers }) }
}

/**
 * A request to an origin AWRR does not own: the user's own MSW handlers may answer it (exactly one
 * party answers: AWRR never consults them for its own origins); otherwise it is refused.
 */
async function answerByUser(request: Request, requestId: string, environment: TaskEnvironment | undefined): Promise<RouteDecision> {
  for (const responder of userResponders) {
    const response = await responder(request, requestId)
    if (response) return response.type === 'error' ? { kind: 'network_error', message: '[awrr] The user\'s handler answered with a network error.' } : { kind: 'respond', response }
  }
  return refuse(request.url, environment)
}

const warnedOrigins = new Set<string>()

/** Nothing leaves the process unless a scenario names the service: the caller sees a network error. */
function refuse(url: string, environment: TaskEnvironment | undefined): RouteDecision {
  const { origin } = new URL(url)
  const why = environment
    ? `no scenario declares ${origin} (declare the service under \`tools:\` to let calls through)`
    : `it was made outside any AWRR task`
  const message = `[awrr] Blocked a request to ${url}: ${why}.`
  if (environment) environment.reportBlocked(message)
  else if (!warnedOrigins.has(origin)) {
    warnedOrigins.add(origin)
    console.warn(message)
  }
  return { kind: 'network_error', message }
}

function toDecision(answer: ServedAnswer): RouteDecision {
  if (answer.kind === 'network') return { kind: 'network_error', message: '[awrr] Injected network fault: the connection was dropped.' }
  return { kind: 'respond', response: Response.json(answer.body, { status: answer.status, headers: answer.headers }) }
}
