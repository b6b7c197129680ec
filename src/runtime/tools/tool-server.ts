import { AsyncLocalStorage } from 'node:async_hooks'
import { http, HttpResponse, passthrough } from 'msw'
import { setupServer } from 'msw/node'
import { type ServedAnswer, type TaskEnvironment, toolServiceOrigin } from './task-environment.ts'

const toolPathPrefix = '/tools/'

/** The task whose code is running: every request made inside `runInTask` is routed to it. */
const currentTask = new AsyncLocalStorage<TaskEnvironment>()

let server: ReturnType<typeof setupServer> | undefined

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

// A predicate that matches everything, not the path '*': MSW compiles a path pattern into a
// regular expression on every request, and this handler routes every request anyway.
const matchEverything = () => true

/**
 * One MSW handler routes every request: the cost of a request grows with each handler MSW has to
 * try, so the routing happens here, once. Requests made outside a task, or to hosts no scenario
 * names, are refused here with a network error: once a handler matches, MSW 2 lets a request
 * whose resolver returns nothing through to the network, so `onUnhandledRequest` cannot be relied on.
 */
const router = http.all(matchEverything, async ({ request, requestId }) => {
  requestsSinceStart++
  const url = new URL(request.url)
  // Before the task lookup: a configured service's calls are the strategy's, never the task's.
  if (passthroughOrigins.has(url.origin)) return passthrough()
  const environment = currentTask.getStore()
  if (!environment) return refuse(request.url, undefined)
  const { step, purpose } = environment.takeAnnouncedCall()
  if (url.origin !== toolServiceOrigin) {
    const idempotencyKey = request.headers.get('idempotency-key') ?? undefined
    const route = await environment.routeExternal({ method: request.method, url: request.url, step, purpose, signal: request.signal, idempotencyKey })
    if (route.kind === 'not_declared') return refuse(request.url, environment)
    if (route.kind === 'passthrough') {
      bypassed.set(requestId, { environment, call: route.call, startedAt: performance.now() })
      return passthrough()
    }
    return toResponse(route.answer)
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
      return HttpResponse.json({ ok: false, error: { code: 'bad_request', message: 'body is not JSON' } }, { status: 400 })
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
  return toResponse(answer)
})

const warnedOrigins = new Set<string>()

/** Nothing leaves the process unless a scenario names the service: the caller sees a network error. */
function refuse(url: string, environment: TaskEnvironment | undefined) {
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
  return HttpResponse.error()
}

function toResponse(answer: ServedAnswer) {
  if (answer.kind === 'network') return HttpResponse.error()
  return HttpResponse.json(answer.body as Record<string, unknown>, { status: answer.status, headers: answer.headers })
}

/** Requests that went through to a real service, until their answer is seen. */
const bypassed = new Map<string, { environment: TaskEnvironment; call: number; startedAt: number }>()

/**
 * MSW 2.15 keeps its record of a request until the request's response event, which a request
 * answered with a network error, or aborted by its deadline, never has: each such request stays
 * in memory for as long as the interception is on. Between tasks, once `after` requests have been
 * made, the interception is switched off and on again, which forgets them. No request can slip
 * through unintercepted: both steps are synchronous and no task is running.
 */
export const toolServerRestarts = { after: 5_000, count: 0 }
let requestsSinceStart = 0
let tasksRunning = 0

/** Starts the worker's interception once; later calls are free. */
export function ensureToolServer(): void {
  if (server) return
  const created = setupServer(router)
  created.listen({ onUnhandledRequest: 'error' })
  created.events.on('response:bypass', ({ response, requestId }) => {
    const pending = bypassed.get(requestId)
    if (!pending) return
    bypassed.delete(requestId)
    pending.environment.completeCall(pending.call, response.status, performance.now() - pending.startedAt)
  })
  created.events.on('unhandledException', ({ requestId }) => {
    bypassed.delete(requestId)
  })
  server = created
  requestsSinceStart = 0
}

export function closeToolServer(): void {
  server?.close()
  server = undefined
}

export async function runInTask<T>(environment: TaskEnvironment, run: () => Promise<T>): Promise<T> {
  tasksRunning++
  try {
    return await currentTask.run(environment, run)
  } finally {
    tasksRunning--
    if (tasksRunning === 0 && server && requestsSinceStart >= toolServerRestarts.after) {
      closeToolServer()
      // Pass-through requests that errored or were aborted never get their bypass event either.
      bypassed.clear()
      ensureToolServer()
      toolServerRestarts.count++
    }
  }
}
