import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { ServiceStartError, startOnce, startedServices, stopStartedServices } from './start-once.ts'

afterEach(async () => {
  await stopStartedServices().catch(() => undefined)
})

function listen(port: number): Promise<Server> {
  const server = createServer((_request, response) => response.end('ok'))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

describe('startOnce', () => {
  it('starts a service once however many callers ask, and every caller gets the same value', async () => {
    let starts = 0
    const callers = await Promise.all(
      Array.from({ length: 6 }, () =>
        startOnce('counter', async () => {
          starts++
          return { id: starts }
        }),
      ),
    )
    expect(starts).toBe(1)
    expect(new Set(callers).size).toBe(1)
    expect(startedServices()).toEqual(['counter'])
  })

  it('binds a fixed port once: the callers after the first never bind it again', async () => {
    const probe = await listen(0)
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const servers = await Promise.all([1, 2, 3].map(() => startOnce('fixed', () => listen(port), (server) => new Promise<void>((resolve) => server.close(() => resolve())))))
    expect((servers[0]!.address() as { port: number }).port).toBe(port)
    const answer = await fetch(`http://127.0.0.1:${port}/`)
    expect(await answer.text()).toBe('ok')
    await stopStartedServices()
    expect(servers[0]!.listening).toBe(false)
  })

  it('stops each service once, the last started first, and forgets them', async () => {
    const stopped: string[] = []
    await startOnce('first', () => 1, () => void stopped.push('first'))
    await startOnce('second', () => 2, () => void stopped.push('second'))
    await stopStartedServices()
    await stopStartedServices()
    expect(stopped).toEqual(['second', 'first'])
    expect(startedServices()).toEqual([])
  })

  it('shares the registry with another copy of this module (each Vitest project loads its own)', async () => {
    const specifier = './start-once.ts?copy'
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import('./start-once.ts')
    expect(copy.startOnce).not.toBe(startOnce)
    let starts = 0
    await startOnce('shared', () => ++starts)
    await copy.startOnce('shared', () => ++starts)
    expect(starts).toBe(1)
  })

  it('names the service that failed to start, for every caller', async () => {
    const failing = () => startOnce('broken', () => Promise.reject(new Error('EADDRINUSE 127.0.0.1:4100')))
    await expect(failing()).rejects.toThrow('[awrr] Service "broken" failed to start: EADDRINUSE 127.0.0.1:4100')
    await expect(failing()).rejects.toBeInstanceOf(ServiceStartError)
  })

  it('stops the others when one stop fails, then says which failed', async () => {
    const stopped: string[] = []
    await startOnce('ok', () => 1, () => void stopped.push('ok'))
    await startOnce('bad', () => 2, () => {
      throw new Error('socket hang up')
    })
    await expect(stopStartedServices()).rejects.toThrow('[awrr] Service "bad" failed to stop: socket hang up')
    expect(stopped).toEqual(['ok'])
  })
})
