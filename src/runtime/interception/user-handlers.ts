import type { Interceptor } from '@mswjs/interceptors'
import { getResponse, type RequestHandler } from 'msw'
import { type UserResponder, userResponders } from './router.ts'

/**
 * The user's own MSW, beside AWRR's. Two ways in, one rule: the user's handlers answer only the
 * requests AWRR does not own (its tool service, the services a scenario declares, virtual
 * origins), and AWRR's router asks them, so every request is counted once and answered by exactly
 * one party.
 */

/**
 * Hands your MSW request handlers to AWRR: in AWRR's test projects, call this in your setup file
 * instead of `server.listen()`. Requests AWRR does not own are answered by these handlers (first
 * match wins, as in MSW); the rest are refused as before. Returns a function that removes them.
 */
export function useHandlers(...handlers: (RequestHandler | readonly RequestHandler[])[]): () => void {
  const list = handlers.flat() as RequestHandler[]
  // A handler that throws answers nothing: the request is then refused like any unowned one.
  const responder: UserResponder = (request) => getResponse(list, request.clone()).catch(() => undefined)
  userResponders.push(responder)
  return () => {
    const index = userResponders.indexOf(responder)
    if (index >= 0) userResponders.splice(index, 1)
  }
}

type Listener = (event: { request: Request; requestId: string; controller: unknown; initiator?: unknown }) => unknown

interface ObservedEmitter {
  listeners(event: string): Listener[]
  removeListener(event: string, listener: Listener): unknown
  addListener(event: string, listener: Listener): unknown
  on(event: string, listener: Listener): unknown
  off?(event: string, listener: Listener): unknown
}

/** Listeners of a user's `setupServer` that AWRR took off the interceptor and asks itself. */
const adopted = new Map<Listener, UserResponder>()
const watchedEmitters = new WeakSet<object>()

/**
 * A user's `setupServer().listen()` while AWRR runs does not patch anything again: it attaches its
 * listeners to the interceptor already running (one per process, found by a global symbol), after
 * AWRR's. Left there, it would be asked about AWRR's own requests too (and, for fetch, its
 * response listener makes cancelling a mocked body hang). AWRR takes such listeners off and asks
 * them through the router instead; when the user closes the server, its listener is dropped.
 */
export function adoptForeignListeners(interceptor: Interceptor<never>, own: unknown): void {
  const symbol = symbolOf(interceptor)
  const running = (globalThis as unknown as Record<symbol, unknown>)[symbol] as { emitter: ObservedEmitter } | undefined
  const emitter = running?.emitter ?? (interceptor as unknown as { emitter: ObservedEmitter }).emitter
  if (!running) (globalThis as unknown as Record<symbol, unknown>)[symbol] = interceptor
  watch(emitter, own, interceptor)
  for (const listener of emitter.listeners('request')) if (listener !== own) adopt(emitter, listener)
  // A response listener makes @mswjs/interceptors clone every fetch response, which is what makes
  // cancelling a mocked body never settle (mswjs/interceptors#799): user life-cycle events go.
  for (const listener of emitter.listeners('response')) emitter.removeListener('response', listener)
}

/**
 * An interceptor of the same kind already running (a user's `setupServer().listen()` that ran
 * before AWRR): its request listeners are kept for adoption and it is disposed, which restores the
 * globals it patched, so AWRR's own interceptor can be the one that patches them.
 */
export function takeOverRunningInstance(interceptor: Interceptor<never>): { interceptor: Interceptor<never>; listener: Listener }[] {
  const running = (globalThis as unknown as Record<symbol, unknown>)[symbolOf(interceptor)] as
    | { emitter?: ObservedEmitter; dispose?: () => void }
    | undefined
  if (!running || (running as unknown) === interceptor) return []
  const listeners = running.emitter?.listeners('request') ?? []
  running.dispose?.()
  return listeners.map((listener) => ({ interceptor, listener }))
}

/** Adopts a listener taken from an interceptor that is no longer running. */
export function adoptListener(interceptor: Interceptor<never>, listener: Listener): void {
  adopt((interceptor as unknown as { emitter: ObservedEmitter }).emitter, listener)
}

/** The global symbol an interceptor registers its running instance under (private in its types). */
function symbolOf(interceptor: Interceptor<never>): symbol {
  return (interceptor as unknown as { symbol: symbol }).symbol
}

function adopt(emitter: ObservedEmitter, listener: Listener): void {
  emitter.removeListener('request', listener)
  if (adopted.has(listener)) return
  const responder: UserResponder = async (request, requestId) => {
    let answer: Response | undefined
    const controller = {
      readyState: 0,
      respondWith(response: Response) {
        answer ??= response
      },
      errorWith() {
        answer ??= Response.error()
      },
      passthrough() {},
    }
    try {
      await listener({ request: request.clone(), requestId, controller, initiator: undefined })
    } catch {
      // The user's server refused an unhandled request (onUnhandledRequest: 'error'): not answered.
    }
    return answer
  }
  adopted.set(listener, responder)
  userResponders.push(responder)
}

function drop(listener: Listener): void {
  const responder = adopted.get(listener)
  if (!responder) return
  adopted.delete(listener)
  const index = userResponders.indexOf(responder)
  if (index >= 0) userResponders.splice(index, 1)
}

/** New listeners are adopted as they arrive; removing an adopted one (server.close()) drops it. */
function watch(emitter: ObservedEmitter, own: unknown, interceptor: Interceptor<never>): void {
  if (watchedEmitters.has(emitter)) return
  watchedEmitters.add(emitter)
  const add = emitter.addListener.bind(emitter)
  const remove = emitter.removeListener.bind(emitter)
  const adding = (event: string, listener: Listener) => {
    if (event === 'request' && listener !== own) {
      adopt(emitter, listener)
      return emitter
    }
    if (event === 'response') return emitter
    return add(event, listener)
  }
  const removing = (event: string, listener: Listener) => {
    if (event === 'request') drop(listener)
    // A user's server.close() first deletes the running instance's global symbol (so its next
    // listen() would patch fetch again, on top of AWRR), then removes its listeners: restore it.
    const registry = globalThis as unknown as Record<symbol, unknown>
    const symbol = symbolOf(interceptor)
    if (registry[symbol] === undefined && !disposing) registry[symbol] = interceptor
    return remove(event, listener)
  }
  emitter.addListener = adding
  emitter.on = adding
  emitter.removeListener = removing
  if (emitter.off) emitter.off = removing
}

let disposing = false

/** AWRR's own dispose must not restore what it removes. */
export function whileDisposing(run: () => void): void {
  disposing = true
  try {
    run()
  } finally {
    disposing = false
  }
}

export function releaseAdoptedListeners(): void {
  for (const listener of [...adopted.keys()]) drop(listener)
}
