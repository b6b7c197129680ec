import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { isFileLockTimeoutError, withFileLock } from './file-lock.ts'

let dir: string
let lockPath: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'awrr-lock-'))
  lockPath = path.join(dir, 'bank.json.lock')
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const ownerText = (pid: number) => JSON.stringify({ pid, host: hostname(), token: 'someone-else', at: 0 })

describe('withFileLock', () => {
  test('runs holders one at a time, and removes the lock afterwards', async () => {
    const events: string[] = []
    const hold = (name: string) =>
      withFileLock(lockPath, async () => {
        events.push(`${name}:in`)
        await new Promise((resolve) => setTimeout(resolve, 5))
        events.push(`${name}:out`)
      })
    await Promise.all([hold('a'), hold('b'), hold('c')])
    for (let index = 0; index < events.length; index += 2) {
      expect(events[index + 1]).toBe(events[index]!.replace(':in', ':out'))
    }
    expect(existsSync(lockPath)).toBe(false)
  })

  test('releases the lock when the holder throws', async () => {
    await expect(withFileLock(lockPath, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(existsSync(lockPath)).toBe(false)
  })

  test('waits for a live owner and gives up with a named error', async () => {
    // The parent of this worker is alive and is not us.
    writeFileSync(lockPath, ownerText(process.ppid))
    const error = await withFileLock(lockPath, () => 'entered', { timeoutMs: 50 }).catch((caught: unknown) => caught)
    expect(isFileLockTimeoutError(error)).toBe(true)
    expect(String(error)).toContain('another process holds it')
    expect(existsSync(lockPath)).toBe(true)
  })

  test('breaks the lock of a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!
    writeFileSync(lockPath, ownerText(gone))
    await expect(withFileLock(lockPath, () => 'entered', { timeoutMs: 5_000 })).resolves.toBe('entered')
  })

  test('breaks a lock older than staleMs, and one left empty by a crash', async () => {
    writeFileSync(lockPath, ownerText(process.ppid))
    const old = new Date(Date.now() - 120_000)
    utimesSync(lockPath, old, old)
    await expect(withFileLock(lockPath, () => 'entered', { staleMs: 60_000, timeoutMs: 5_000 })).resolves.toBe('entered')
    writeFileSync(lockPath, '')
    utimesSync(lockPath, old, old)
    await expect(withFileLock(lockPath, () => 'again', { staleMs: 60_000, timeoutMs: 5_000 })).resolves.toBe('again')
  })
})
