import { AsyncLocalStorage } from 'node:async_hooks'
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import type { CallPurpose } from '../executor/trace-events.ts'
import { purposeHeader, stepHeader, type TaskEnvironment, toolServiceOrigin } from './task-environment.ts'

const toolPathPrefix = '/tools/'
const purposes = new Set<CallPurpose>(['step', 'rollback', 'ticket', 'compensation'])

/** The task whose code is running: every request made inside `runInTask` is routed to it. */
const currentTask = new AsyncLocalStorage<TaskEnvironment>()

let server: ReturnType<typeof setupServer> | undefined

/**
 * One MSW handler routes every request: the cost of a request grows with each handler MSW has to
 * try, so the routing happens here, once. Requests made outside a task, or to hosts no scenario
 * names, are left unhandled and MSW's `onUnhandledRequest: 'error'` rejects them.
 */
const router = http.all('*', async ({ request }) => {
  const environment = currentTask.getStore()
  if (!environment) return undefined
  const url = new URL(request.url)
  if (url.origin !== toolServiceOrigin || !url.pathname.startsWith(toolPathPrefix)) return undefined

  const tool = decodeURIComponent(url.pathname.slice(toolPathPrefix.length))
  const stepText = request.headers.get(stepHeader)
  const purposeText = request.headers.get(purposeHeader) as CallPurpose | null
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
    step: stepText === null ? undefined : Number(stepText),
    purpose: purposeText && purposes.has(purposeText) ? purposeText : 'step',
    args,
    idempotencyKey: request.headers.get('idempotency-key') ?? undefined,
    signal: request.signal,
  })
  if (answer.kind === 'network') return HttpResponse.error()
  return HttpResponse.json(answer.body as Record<string, unknown>, { status: answer.status, headers: answer.headers })
})

/** Starts the worker's interception once; later calls are free. */
export function ensureToolServer(): void {
  if (server) return
  const created = setupServer(router)
  created.listen({ onUnhandledRequest: 'error' })
  server = created
}

export function closeToolServer(): void {
  server?.close()
  server = undefined
}

export function runInTask<T>(environment: TaskEnvironment, run: () => Promise<T>): Promise<T> {
  return currentTask.run(environment, run)
}
