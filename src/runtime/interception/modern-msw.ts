/**
 * msw 3 (@mswjs/interceptors 0.45 and later) keeps its interceptors in a registry on globalThis and
 * intercepts below node:http, at `net.Socket.prototype.connect`. Its patches of fetch and
 * node:http are restored on `server.close()` to what they replaced, which takes AWRR's away with
 * them, and a user's setup file calls `listen()` again for the next test file.
 */
export interface ModernMsw {
  /** Connections opened inside `run` are not intercepted by msw 3 (it uses this for its own passthrough). */
  internalConnection?: { run<T>(callback: () => T): T }
}

export function modernMsw(): ModernMsw | undefined {
  const registry = (globalThis as { __MSW_INTERCEPTORS_REGISTRY?: unknown }).__MSW_INTERCEPTORS_REGISTRY
  if (!(registry instanceof Map)) return undefined
  const context = (globalThis as { __MSW_INTERNAL_CONNECTION_CONTEXT?: ModernMsw['internalConnection'] }).__MSW_INTERNAL_CONNECTION_CONTEXT
  return context && typeof context.run === 'function' ? { internalConnection: context } : {}
}

/** AWRR's own passthrough connection: never seen by a user's msw 3, whose handlers then never answer it. */
export function asInternalConnection<T>(run: () => T): T {
  const internal = modernMsw()?.internalConnection
  return internal ? internal.run(run) : run()
}
