import { currentTask } from '../tools/current-task.ts'
import { type ServedAnswer, type TaskEnvironment, toolServiceOrigin } from '../tools/task-environment.ts'

/**
 * The one place that decides who answers a request leaving the worker. Every interceptor (fetch,
 * node:http, the undici dispatcher) turns what it caught into a `Request` and asks `routeRequest`;
 * the answer says whether AWRR answers it, lets it through to the network, or refuses it.
 */

const toolPathPrefix = '/tools/'

// The task whose code is running (shared with awrr/tools' in-process calls, hence its own module).
export { currentTask }

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

const virtualOrigins = new Map<string, VirtualResponder>()

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
const passthroughOrigins = new Set<string>()

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
export const routed = { count: 0 }

/** Routes one request; the single decision point for every interceptor. */
export async function routeRequest(request: Request, requestId: string): Promise<RouteDecision> {
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
  if (!environment) return refuse(request.url, undefined)
  const { step, purpose } = environment.takeAnnouncedCall()
  if (url.origin !== toolServiceOrigin) {
    const route = await environment.routeExternal({ method: request.method, url: request.url, step, purpose, signal: request.signal })
    if (route.kind === 'not_declared') return refuse(request.url, environment)
    if (route.kind === 'passthrough') {
      const call = route.call
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
    signal: request.signal,
  })
  return toDecision(answer)
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
