import http from 'node:http'
import https from 'node:https'
import { syncBuiltinESMExports } from 'node:module'
import { getRawRequest, type Interceptor, RequestController } from '@mswjs/interceptors'
import { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest'
import { FetchInterceptor } from '@mswjs/interceptors/fetch'
import { XMLHttpRequestInterceptor } from '@mswjs/interceptors/XMLHttpRequest'
import type { TaskEnvironment } from '../tools/task-environment.ts'
import { currentTask, routed, routeRequest, type RouteDecision } from './router.ts'
import { isRoutedDispatcher, type MinimalDispatcher, RoutedDispatcher, undiciGlobalDispatcherKey, whilePassingThrough } from './undici-dispatcher.ts'
import { asInternalConnection, modernMsw } from './modern-msw.ts'
import { adoptForeignListeners, adoptListener, releaseAdoptedListeners, takeOverRunningInstance, whileDisposing } from './user-handlers.ts'

/**
 * Installs AWRR's interception in a worker: @mswjs/interceptors for the global fetch, node:http(s)
 * and XMLHttpRequest, and a dispatcher at undici's global-dispatcher symbol for the `undici`
 * package. All of them ask the one router (`router.ts`), so a request is counted once whichever
 * client made it. AWRR performs passthrough requests itself with the fetch and dispatcher it found
 * before patching, which records a network failure like any other answer.
 */

type RequestListener = (event: { request: Request; requestId: string; controller: RequestController }) => Promise<void>

interface Installed {
  interceptors: Interceptor<never>[]
  listener: RequestListener
  /** The globals as AWRR left them; anything else found there later is a second interceptor. */
  patchedFetch: typeof fetch
  patchedHttpRequest: typeof http.request
  patchedHttpsRequest: typeof https.request
  /** Every global AWRR's interceptors patched, as they left it. */
  patched: PatchedGlobals
  pureFetch: typeof fetch
  dispatcher: RoutedDispatcher
}

const installedKey = Symbol.for('awrr.interception.installed.1')
const globals = globalThis as unknown as Record<symbol, unknown>

function installed(): Installed | undefined {
  return globals[installedKey] as Installed | undefined
}

/** Starts the worker's interception once; later calls only check that it is still the only one. */
export function ensureToolServer(): void {
  const current = installed()
  if (current) {
    reconcile(current)
    return
  }
  const interceptors = [new ClientRequestInterceptor(), new FetchInterceptor(), new XMLHttpRequestInterceptor()] as unknown as Interceptor<never>[]
  // A user's MSW server started first (a setup file runs before AWRR's suite) owns the patches:
  // AWRR takes its listeners over and puts its own interceptors underneath everything.
  const taken = interceptors.flatMap((interceptor) => takeOverRunningInstance(interceptor))
  const pureFetch = globalThis.fetch
  const dispatcher = new RoutedDispatcher(rawDispatcher(), routeRequest)
  const state: Installed = {
    interceptors,
    listener: async () => {},
    patchedFetch: pureFetch,
    patchedHttpRequest: http.request,
    patchedHttpsRequest: https.request,
    patched: readPatchedGlobals(),
    pureFetch,
    dispatcher,
  }
  state.listener = (event) => answer(state, event)
  for (const interceptor of state.interceptors) {
    interceptor.apply()
    ;(interceptor as unknown as { on(event: 'request', listener: RequestListener): void }).on('request', state.listener)
  }
  // `import { request } from 'node:http'` binds the function as it was: make ES imports see the patch.
  syncBuiltinESMExports()
  state.patchedFetch = globalThis.fetch
  state.patchedHttpRequest = http.request
  state.patchedHttpsRequest = https.request
  state.patched = readPatchedGlobals()
  globals[undiciGlobalDispatcherKey] = dispatcher
  globals[installedKey] = state
  routed.count = 0
  for (const { interceptor, listener } of taken) adoptListener(interceptor, listener)
  reconcile(state)
}

export function closeToolServer(): void {
  const state = installed()
  if (!state) return
  whileDisposing(() => {
    for (const interceptor of state.interceptors) interceptor.dispose()
  })
  syncBuiltinESMExports()
  releaseAdoptedListeners()
  if (globals[undiciGlobalDispatcherKey] === state.dispatcher) globals[undiciGlobalDispatcherKey] = state.dispatcher.inner
  delete globals[installedKey]
}

/**
 * A request sent to the real network around AWRR's interception, with the fetch and dispatcher
 * found before patching (a cassette that records does this from inside a routed request).
 */
export function fetchAroundInterception(request: Request): Promise<Response> {
  const state = installed()
  if (!state) return fetch(request)
  const init: RequestInit & { dispatcher: MinimalDispatcher } = { dispatcher: state.dispatcher.inner }
  return whilePassingThrough(() => asInternalConnection(() => state.pureFetch(request, init)))
}

export async function runInTask<T>(environment: TaskEnvironment, run: () => Promise<T>): Promise<T> {
  const state = installed()
  if (state) reconcile(state)
  return currentTask.run(environment, run)
}

/** Thrown when another request interceptor took over and AWRR cannot route through it. */
export class AwrrInterceptionConflict extends Error {
  override readonly name = 'AwrrInterceptionConflict'
  readonly code = 'AWRR_INTERCEPTION_CONFLICT'
}

/**
 * Keeps AWRR the only party that answers: a user's own MSW `setupServer` attaches to the running
 * interceptors (they share one instance per process), so its listeners are adopted and asked by
 * the router only for requests AWRR does not own. A dispatcher the user set as undici's global is
 * wrapped. Anything that replaced the patched globals in another way is a conflict: the run fails
 * here, at the first task, instead of measuring nothing.
 */
function reconcile(state: Installed): void {
  for (const interceptor of state.interceptors) adoptForeignListeners(interceptor, state.listener)
  const dispatcher = globals[undiciGlobalDispatcherKey] as MinimalDispatcher | undefined
  if (dispatcher !== state.dispatcher) {
    if (isRoutedDispatcher(dispatcher)) state.dispatcher = dispatcher
    else if (dispatcher && typeof dispatcher.dispatch === 'function') {
      state.dispatcher = new RoutedDispatcher(dispatcher, routeRequest)
      globals[undiciGlobalDispatcherKey] = state.dispatcher
    }
  }
  // A function that only wraps fetch and calls on (a spy) is fine and cannot be told from a mock
  // here; another copy of @mswjs/interceptors' patch can, by its name, and routes nothing to AWRR.
  // With msw 3 loaded, any change is its own patch or its restore, and AWRR goes back on top.
  const modern = modernMsw() !== undefined
  const replaced = [
    globalThis.fetch !== state.patchedFetch && (modern || globalThis.fetch.name === state.patchedFetch.name) && 'the global fetch',
    http.request !== state.patchedHttpRequest && 'http.request',
    https.request !== state.patchedHttpsRequest && 'https.request',
  ].filter((name): name is string => typeof name === 'string')
  if (replaced.length > 0 && modern) {
    reinstallOver(state)
    return
  }
  if (replaced.length > 0) {
    throw new AwrrInterceptionConflict(
      `[awrr] Another request interceptor replaced ${replaced.join(', ')} after AWRR started, so AWRR's faults would not reach your code. ` +
        `AWRR must be the only interceptor in its test projects: hand your MSW handlers to AWRR instead of starting your own server there ` +
        `(\`import { useHandlers } from 'awrr/runtime'\` then \`useHandlers(...handlers)\` in your setup file, or \`awrr({ handlers: './test/handlers.ts' })\`), ` +
        `and keep nock, fetch mocks and custom fetch polyfills out of AWRR's projects.`,
    )
  }
}

/**
 * A user's msw 3 replaced AWRR's patches (its server closed and listened again): AWRR installs
 * itself again on top of what is there now, so every request still reaches AWRR's router first.
 * msw 3's own interception stays underneath, where only AWRR's passthrough requests reach it,
 * as internal connections it lets through.
 */
function reinstallOver(state: Installed): void {
  const current = readPatchedGlobals()
  // Disposing restores what AWRR found when it started; what someone else put there since goes
  // back on top of it (AWRR's own patches that are still in place just go).
  whileDisposing(() => {
    for (const interceptor of state.interceptors) interceptor.dispose()
  })
  const replaced = Object.fromEntries(Object.entries(current).filter(([key, value]) => value !== state.patched[key as keyof PatchedGlobals])) as Partial<PatchedGlobals>
  writePatchedGlobals(replaced)
  if (globals[undiciGlobalDispatcherKey] === state.dispatcher) globals[undiciGlobalDispatcherKey] = state.dispatcher.inner
  delete globals[installedKey]
  ensureToolServer()
}

/** The globals @mswjs/interceptors patches in Node (fetch, node:http and node:https). */
interface PatchedGlobals {
  fetch: typeof fetch
  httpRequest: typeof http.request
  httpGet: typeof http.get
  httpsRequest: typeof https.request
  httpsGet: typeof https.get
  ClientRequest: typeof http.ClientRequest
}

function readPatchedGlobals(): PatchedGlobals {
  return { fetch: globalThis.fetch, httpRequest: http.request, httpGet: http.get, httpsRequest: https.request, httpsGet: https.get, ClientRequest: http.ClientRequest }
}

function writePatchedGlobals(values: Partial<PatchedGlobals>): void {
  if (values.fetch) globalThis.fetch = values.fetch
  if (values.httpRequest) http.request = values.httpRequest
  if (values.httpGet) http.get = values.httpGet
  if (values.httpsRequest) https.request = values.httpsRequest
  if (values.httpsGet) https.get = values.httpsGet
  if (values.ClientRequest) http.ClientRequest = values.ClientRequest
}

/** Undici's own dispatcher, created the way Node's fetch would create it on first use. */
function rawDispatcher(): MinimalDispatcher {
  let dispatcher = globals[undiciGlobalDispatcherKey] as MinimalDispatcher | undefined
  if (!dispatcher) {
    // Node's bundled undici sets its global Agent when it loads; a data: URL loads it without I/O.
    void fetch('data:,').catch(() => {})
    dispatcher = globals[undiciGlobalDispatcherKey] as MinimalDispatcher | undefined
  }
  if (!dispatcher) throw new Error('[awrr] Could not find undici\'s global dispatcher to route the `undici` package through.')
  return isRoutedDispatcher(dispatcher) ? dispatcher.inner : dispatcher
}

/** Node's ClientRequest never aborts the Request the interceptor built; its `close` does. */
function signalOf(request: Request): AbortSignal {
  const raw = getRawRequest(request)
  if (!(raw instanceof http.ClientRequest)) return request.signal
  const controller = new AbortController()
  raw.once('close', () => controller.abort(new Error('the request was closed')))
  return controller.signal
}

async function answer(state: Installed, { request, requestId, controller }: Parameters<RequestListener>[0]): Promise<void> {
  const viaHttp = getRawRequest(request) instanceof http.ClientRequest
  const signal = signalOf(request)
  const decision = await routeRequest(request, requestId, signal)
  // The caller may have given up meanwhile (its deadline): the interceptor answered it already.
  // The interceptor answers an aborted request itself, with the caller's own abort reason.
  if (controller.readyState !== RequestController.PENDING || signal.aborted) return
  if (decision.kind === 'respond') return controller.respondWith(decision.response)
  if (decision.kind === 'network_error') return fail(controller, decision.message, viaHttp)
  await passThrough(state, request, signal, decision, controller, viaHttp)
}

function fail(controller: RequestController, message: string, viaHttp: boolean): void {
  const cause = Object.assign(new Error(message), { code: 'ECONNRESET' })
  // fetch callers expect the TypeError a real network failure gives; node:http callers the socket error.
  controller.errorWith(viaHttp ? cause : new TypeError('fetch failed', { cause }))
}

/**
 * The request goes to the real service through the fetch and dispatcher AWRR found before it
 * patched anything, so it is neither routed twice nor lost: its status, or its network failure,
 * is reported to the router's `onSettled`.
 */
async function passThrough(
  state: Installed,
  request: Request,
  signal: AbortSignal,
  decision: Extract<RouteDecision, { kind: 'passthrough' }>,
  controller: RequestController,
  viaHttp: boolean,
): Promise<void> {
  const startedAt = performance.now()
  try {
    const init: RequestInit & { dispatcher: MinimalDispatcher } = { signal, dispatcher: state.dispatcher.inner, ...(viaHttp ? { redirect: 'manual' } : {}) }
    const response = await whilePassingThrough(() => asInternalConnection(() => state.pureFetch(request, init)))
    decision.onSettled?.(response.status, performance.now() - startedAt)
    // fetch already decoded the body; handing the encoding on would make the client decode it again.
    const headers = new Headers(response.headers)
    headers.delete('content-encoding')
    headers.delete('content-length')
    if (controller.readyState !== RequestController.PENDING || signal.aborted) return
    const nullBody = response.status === 204 || response.status === 304 || request.method === 'HEAD'
    controller.respondWith(new Response(nullBody ? null : response.body, { status: response.status, statusText: response.statusText, headers }))
  } catch (error) {
    decision.onSettled?.(null, performance.now() - startedAt)
    if (controller.readyState !== RequestController.PENDING || signal.aborted) return
    const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error)
    fail(controller, `[awrr] The passthrough request to ${request.url} failed: ${message}`, viaHttp)
  }
}
