/**
 * Services an agent's scenarios need (a shop, a fake model server), started once per Vitest run
 * however many projects there are. Vitest 4 runs a root config's `globalSetup` for the root and
 * again for every project, and loads the config file and the setup module anew for each project,
 * so a module-level "already started" flag never sees the other copies: the registry lives on
 * `globalThis` under a registered symbol, which every copy of this module shares. The main process
 * runs every `globalSetup`, so one registry covers all of them.
 */

interface RunningService {
  name: string
  value: Promise<unknown>
  stop: ((value: unknown) => unknown) | undefined
}

interface ServiceRegistry {
  services: Map<string, RunningService>
}

const registryKey = Symbol.for('awrr.start-once')

function registry(): ServiceRegistry {
  const holder = globalThis as { [registryKey]?: ServiceRegistry }
  return (holder[registryKey] ??= { services: new Map() })
}

export class ServiceStartError extends Error {
  override readonly name = 'ServiceStartError'
  readonly code = 'AWRR_SERVICE_START'
  constructor(
    readonly service: string,
    cause: unknown,
  ) {
    super(`[awrr] Service "${service}" failed to start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/**
 * Starts `name` the first time it is asked for and hands every later caller the same value, for
 * the whole Vitest run. `stop` runs once, when Vitest closes (after every `globalSetup` teardown,
 * so a teardown may still talk to the service). A fixed port works, since only one start binds it.
 *
 * ```ts
 * // global-setup.ts, listed in the root config's test.globalSetup
 * import { startOnce } from 'awrr/plugin'
 * export default async function setup(project: TestProject) {
 *   const shop = await startOnce('shop', () => startShop({ port: 4100 }), (shop) => shop.close())
 *   process.env.SHOP_URL = shop.url
 *   project.provide('shopUrl', shop.url)
 * }
 * ```
 */
export function startOnce<T>(name: string, start: () => T | Promise<T>, stop?: (value: T) => unknown): Promise<T> {
  const { services } = registry()
  const running = services.get(name)
  if (running) return running.value as Promise<T>
  const value = Promise.resolve()
    .then(start)
    .catch((error: unknown) => {
      throw new ServiceStartError(name, error)
    })
  services.set(name, { name, value, stop: stop as ((value: unknown) => unknown) | undefined })
  return value
}

/** Names of the services started in this process and not stopped yet, in start order. */
export function startedServices(): string[] {
  return [...registry().services.keys()]
}

/**
 * Stops every started service, the last started first, and forgets them. Idempotent: the plugin
 * calls it when Vitest closes, and every project's copy of the plugin may ask.
 * @throws AggregateError naming each service whose stop failed (the others are still stopped).
 */
export async function stopStartedServices(): Promise<void> {
  const { services } = registry()
  const running = [...services.values()].reverse()
  services.clear()
  const failures: Error[] = []
  for (const service of running) {
    let value: unknown
    try {
      value = await service.value
    } catch {
      continue // never started: nothing to stop
    }
    try {
      await service.stop?.(value)
    } catch (error) {
      failures.push(new Error(`[awrr] Service "${service.name}" failed to stop: ${error instanceof Error ? error.message : String(error)}`, { cause: error }))
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, failures.map((failure) => failure.message).join('\n'))
}
