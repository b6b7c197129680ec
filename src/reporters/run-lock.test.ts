import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { acquireRunLock, isRunLockError } from './run-lock.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'awrr-run-lock-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('acquireRunLock', () => {
  test('a second run waits, then fails with a message naming the directory; after release it gets the lock', async () => {
    const release = await acquireRunLock(dir)
    const started = performance.now()
    const second = await acquireRunLock(dir, { waitMs: 600 }).catch((error: unknown) => error)
    expect(isRunLockError(second)).toBe(true)
    expect((second as Error).message).toContain(dir)
    expect((second as Error).message).toMatch(/Another AWRR run is writing/)
    expect(performance.now() - started).toBeGreaterThanOrEqual(500)
    await release()
    const third = await acquireRunLock(dir, { waitMs: 600 })
    await third()
    expect(existsSync(path.join(dir, 'run.lock'))).toBe(false)
  })

  test('the lock of a killed run is broken once stale; a live run keeps its lock fresh past that', async () => {
    // A child process takes the lock and is killed with SIGKILL: no exit handler removes the lock.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { acquireRunLock } = await import(${JSON.stringify(path.join(here, 'run-lock.ts'))})
      await acquireRunLock(${JSON.stringify(dir)}, { staleMs: 2000 })
      console.log('locked')
      setInterval(() => {}, 1000)
    `], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve()))
    // Alive and refreshing: still held after more than staleMs.
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(isRunLockError(await acquireRunLock(dir, { staleMs: 2000, waitMs: 300 }).catch((error: unknown) => error))).toBe(true)
    child.kill('SIGKILL')
    await new Promise((resolve) => child.on('close', resolve))
    expect(existsSync(path.join(dir, 'run.lock'))).toBe(true)
    const release = await acquireRunLock(dir, { staleMs: 2000, waitMs: 5_000 })
    await release()
  }, 30_000)
})
