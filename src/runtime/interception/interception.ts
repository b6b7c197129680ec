import { http, HttpResponse, passthrough } from 'msw'
import { setupServer } from 'msw/node'
import type { TaskEnvironment } from '../tools/task-environment.ts'
import { currentTask, routed, routeRequest } from './router.ts'

let server: ReturnType<typeof setupServer> | undefined

// A predicate that matches everything, not the path '*': MSW compiles a path pattern into a
// regular expression on every request, and this handler routes every request anyway.
const matchEverything = () => true

/**
 * One MSW handler hands every request to the router: the cost of a request grows with each handler
 * MSW has to try, so the routing happens there, once. Refusals are network errors: once a handler
 * matches, MSW 2 lets a request whose resolver returns nothing through to the network, so
 * `onUnhandledRequest` cannot be relied on.
 */
const routerHandler = http.all(matchEverything, async ({ request, requestId }) => {
  const decision = await routeRequest(request, requestId)
  if (decision.kind === 'respond') return decision.response
  if (decision.kind === 'network_error') return HttpResponse.error()
  if (decision.onSettled) bypassed.set(requestId, { onSettled: decision.onSettled, startedAt: performance.now() })
  return passthrough()
})

/** Requests that went through to a real service, until their answer is seen. */
const bypassed = new Map<string, { onSettled: (status: number | null, latencyMs: number) => void; startedAt: number }>()

/**
 * MSW 2.15 keeps its record of a request until the request's response event, which a request
 * answered with a network error, or aborted by its deadline, never has: each such request stays
 * in memory for as long as the interception is on. Between tasks, once `after` requests have been
 * made, the interception is switched off and on again, which forgets them. No request can slip
 * through unintercepted: both steps are synchronous and no task is running.
 */
export const toolServerRestarts = { after: 5_000, count: 0 }
let tasksRunning = 0

/** Starts the worker's interception once; later calls are free. */
export function ensureToolServer(): void {
  if (server) return
  const created = setupServer(routerHandler)
  created.listen({ onUnhandledRequest: 'error' })
  created.events.on('response:bypass', ({ response, requestId }) => {
    const pending = bypassed.get(requestId)
    if (!pending) return
    bypassed.delete(requestId)
    pending.onSettled(response.status, performance.now() - pending.startedAt)
  })
  created.events.on('unhandledException', ({ requestId }) => {
    bypassed.delete(requestId)
  })
  server = created
  routed.count = 0
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
    if (tasksRunning === 0 && server && routed.count >= toolServerRestarts.after) {
      closeToolServer()
      // Pass-through requests that errored or were aborted never get their bypass event either.
      bypassed.clear()
      ensureToolServer()
      toolServerRestarts.count++
    }
  }
}
