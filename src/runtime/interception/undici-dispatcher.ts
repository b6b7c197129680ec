import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { asInternalConnection } from './modern-msw.ts'
import type { RouteDecision } from './router.ts'

/**
 * The `undici` package's `request`, `stream`, `pipeline` and `fetch` never touch the global
 * `fetch` or node:http: they dispatch through the dispatcher every undici copy keeps at this
 * symbol (Node's own fetch reads it too). AWRR puts a dispatcher there that asks the router first
 * and hands only passthrough requests to the dispatcher it wraps.
 */
export const undiciGlobalDispatcherKey = Symbol.for('undici.globalDispatcher.1')

/** The part of undici's Dispatcher interface the routing needs. */
export interface MinimalDispatcher {
  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean
  close?(...args: unknown[]): unknown
  destroy?(...args: unknown[]): unknown
}

interface DispatchOptions {
  origin?: string | URL
  path: string
  method: string
  headers?: unknown
  body?: unknown
  [key: string]: unknown
}

/** Undici's handlers come in two shapes: the legacy `onConnect/onHeaders/...` and the newer `onRequestStart/onResponseStart/...`. */
interface DispatchHandler {
  onConnect?(abort: (reason?: unknown) => void, context?: unknown): void
  onHeaders?(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean
  onData?(chunk: Buffer): boolean
  onComplete?(trailers: unknown): void
  onError?(error: unknown): void
  onRequestStart?(controller: DispatchController, context: unknown): void
  onResponseStart?(controller: DispatchController, statusCode: number, headers: Record<string, string | string[]>, statusMessage?: string): void
  onResponseData?(controller: DispatchController, chunk: Buffer): void
  onResponseEnd?(controller: DispatchController, trailers: Record<string, string | string[]>): void
  onResponseError?(controller: DispatchController, error: unknown): void
}

interface DispatchController {
  readonly aborted: boolean
  readonly paused: boolean
  readonly reason: unknown
  abort(reason?: unknown): void
  pause(): void
  resume(): void
}

const routedBrand = Symbol.for('awrr.interception.routedDispatcher')

const passthroughKey = Symbol.for('awrr.interception.passthrough.1')
/** Shared by every copy of this module in a worker, like the dispatcher it marks requests for. */
const passthroughContext: AsyncLocalStorage<true> = ((globalThis as Record<symbol, unknown>)[passthroughKey] as AsyncLocalStorage<true> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[passthroughKey] = new AsyncLocalStorage<true>()) as AsyncLocalStorage<true>

/**
 * Runs AWRR's own passthrough request. Whatever sits between AWRR and undici (a user's msw 3
 * wraps the global fetch in a function that drops the `dispatcher` option) the request reaches the
 * routing dispatcher again, which must hand it straight on instead of routing it a second time.
 */
export function whilePassingThrough<T>(run: () => T): T {
  return passthroughContext.run(true, run)
}

export function isRoutedDispatcher(value: unknown): value is RoutedDispatcher {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[routedBrand] === true
}

export type Route = (request: Request, requestId: string, signal: AbortSignal) => Promise<RouteDecision>

/**
 * A dispatcher that routes every request through AWRR's router; `inner` (undici's own Agent, or
 * the user's) performs the requests the router lets through.
 */
export class RoutedDispatcher implements MinimalDispatcher {
  /** Recognised across module copies (Vitest's isolation loads this file once per test file). */
  readonly [routedBrand] = true

  constructor(
    readonly inner: MinimalDispatcher,
    private readonly route: Route,
  ) {}

  dispatch(options: DispatchOptions, handler: DispatchHandler): boolean {
    if (passthroughContext.getStore() === true) return this.inner.dispatch(options, handler)
    void this.routeAndAnswer(options, handler)
    return true
  }

  close(...args: unknown[]): unknown {
    return this.inner.close?.(...args)
  }

  destroy(...args: unknown[]): unknown {
    return this.inner.destroy?.(...args)
  }

  private async routeAndAnswer(options: DispatchOptions, handler: DispatchHandler): Promise<void> {
    const abort = new AbortController()
    const modern = typeof handler.onRequestStart === 'function'
    const controller: DispatchController = {
      get aborted() {
        return abort.signal.aborted
      },
      paused: false,
      get reason() {
        return abort.signal.reason as unknown
      },
      abort: (reason) => abort.abort(reason),
      pause: () => {},
      resume: () => {},
    }
    let failed = false
    const fail = (error: unknown) => {
      if (failed) return
      failed = true
      if (modern) handler.onResponseError?.(controller, error)
      else handler.onError?.(error)
    }
    try {
      if (modern) handler.onRequestStart?.(controller, {})
      else handler.onConnect?.((reason) => abort.abort(reason ?? new Error('aborted')), {})
      if (abort.signal.aborted) return fail(abort.signal.reason)
      const body = await bufferBody(options.body)
      const request = toRequest(options, body)
      const decision = await this.route(request, randomUUID(), abort.signal)
      if (abort.signal.aborted) return fail(abort.signal.reason)
      if (decision.kind === 'network_error') return fail(Object.assign(new Error(decision.message), { code: 'ECONNRESET' }))
      if (decision.kind === 'passthrough') {
        const startedAt = performance.now()
        const settle = decision.onSettled
        asInternalConnection(() =>
          this.inner.dispatch({ ...options, ...(body === undefined ? {} : { body }) }, settle ? observing(handler, (status) => settle(status, performance.now() - startedAt)) : handler),
        )
        return
      }
      await deliver(handler, controller, decision.response, modern)
    } catch (error) {
      fail(error)
    }
  }
}

/** Streams and iterables are read once, so the router and a passthrough can both see the body. */
async function bufferBody(body: unknown): Promise<string | Uint8Array | undefined> {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (body as Iterable<unknown>)[Symbol.iterator] === 'function') {
    const chunks: Buffer[] = []
    for await (const chunk of body as AsyncIterable<unknown>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  return String(body)
}

function toRequest(options: DispatchOptions, body: string | Uint8Array | undefined): Request {
  const url = new URL(options.path, options.origin)
  const headers = new Headers()
  const raw = options.headers
  if (Array.isArray(raw)) {
    if (raw.length > 0 && Array.isArray(raw[0])) for (const [key, value] of raw as [string, string][]) headers.append(key, String(value))
    else for (let index = 0; index + 1 < raw.length; index += 2) headers.append(String(raw[index]), String(raw[index + 1]))
  } else if (raw && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(value)) for (const item of value) headers.append(key, String(item))
      else if (value !== undefined) headers.append(key, String(value))
    }
  }
  const method = options.method.toUpperCase()
  const withBody = body !== undefined && method !== 'GET' && method !== 'HEAD'
  return new Request(url, { method, headers, ...(withBody ? { body: body as BodyInit } : {}) })
}

async function deliver(handler: DispatchHandler, controller: DispatchController, response: Response, modern: boolean): Promise<void> {
  const chunk = Buffer.from(await response.arrayBuffer())
  if (modern) {
    const headers: Record<string, string | string[]> = {}
    response.headers.forEach((value, key) => {
      const existing = headers[key]
      headers[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
    })
    handler.onResponseStart?.(controller, response.status, headers, response.statusText)
    if (chunk.length > 0) handler.onResponseData?.(controller, chunk)
    handler.onResponseEnd?.(controller, {})
    return
  }
  const rawHeaders: Buffer[] = []
  response.headers.forEach((value, key) => rawHeaders.push(Buffer.from(key), Buffer.from(value)))
  handler.onHeaders?.(response.status, rawHeaders, () => {}, response.statusText)
  if (chunk.length > 0) handler.onData?.(chunk)
  handler.onComplete?.([])
}

const handlerMethods = [
  'onConnect', 'onHeaders', 'onData', 'onComplete', 'onError', 'onUpgrade', 'onResponseStarted', 'onBodySent', 'onRequestSent',
  'onRequestStart', 'onRequestUpgrade', 'onResponseStart', 'onResponseData', 'onResponseEnd', 'onResponseError',
] as const

/** The handler as-is, plus a look at the status (or the network error) the real service gave. */
function observing(handler: DispatchHandler, settled: (status: number | null) => void): DispatchHandler {
  let seen = false
  const once = (status: number | null) => {
    if (seen) return
    seen = true
    settled(status)
  }
  // Every method forwarded with the handler itself as `this`: undici's handlers keep state on it.
  const observer: Record<string, unknown> = {}
  for (const name of handlerMethods) {
    const method = (handler as Record<string, unknown>)[name] as ((...args: unknown[]) => unknown) | undefined
    if (typeof method === 'function') observer[name] = (...args: unknown[]) => method.apply(handler, args)
  }
  const forward = observer as DispatchHandler
  if (handler.onHeaders) forward.onHeaders = (statusCode, ...rest) => (once(statusCode), handler.onHeaders!(statusCode, ...rest))
  if (handler.onResponseStart) forward.onResponseStart = (controller, statusCode, ...rest) => (once(statusCode), handler.onResponseStart!(controller, statusCode, ...rest))
  if (handler.onError) forward.onError = (error) => (once(null), handler.onError!(error))
  if (handler.onResponseError) forward.onResponseError = (controller, error) => (once(null), handler.onResponseError!(controller, error))
  return forward
}
