import { randomUUID } from 'node:crypto'
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'

/**
 * An exclusive lock between processes: a lock file created with O_EXCL (`wx`), holding who owns
 * it. A lock whose owner died (same host, no such process) or that is older than `staleMs` is
 * broken, under a second O_EXCL file so that two waiters never both break it and both enter.
 */

export interface FileLockOptions {
  /** A lock older than this is taken as abandoned, whoever holds it. @default 30000 */
  staleMs?: number
  /** Give up waiting after this long. @default 60000 */
  timeoutMs?: number
  /** First pause between tries; doubled up to 100 ms. @default 2 */
  retryMs?: number
}

export type ResolvedFileLockOptions = Required<FileLockOptions>

export const defaultFileLockOptions: ResolvedFileLockOptions = { staleMs: 30_000, timeoutMs: 60_000, retryMs: 2 }

export class FileLockTimeoutError extends Error {
  override readonly name = 'FileLockTimeoutError'
  readonly code = 'AWRR_LOCK_TIMEOUT'
  constructor(readonly lockPath: string, timeoutMs: number) {
    super(`[awrr] Could not lock "${lockPath}" within ${timeoutMs} ms: another process holds it. If no awrr run is active, delete the file.`)
  }
}

export function isFileLockTimeoutError(error: unknown): error is FileLockTimeoutError {
  return error instanceof FileLockTimeoutError
}

interface LockOwner {
  pid: number
  host: string
  token: string
  at: number
}

const isErrno = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException | undefined)?.code === code

/** Creates `file` with `content` only if it does not exist; false when it does. */
function createExclusive(file: string, content: string): boolean {
  let fd: number
  try {
    fd = openSync(file, 'wx')
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false
    throw error
  }
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  return true
}

function readOwner(file: string): { owner: LockOwner | undefined; text: string; mtimeMs: number } | undefined {
  try {
    const mtimeMs = statSync(file).mtimeMs
    const text = readFileSync(file, 'utf8')
    let owner: LockOwner | undefined
    try {
      owner = JSON.parse(text) as LockOwner
    } catch {
      // Written by a process that died between create and write: judged by age alone.
    }
    return { owner, text, mtimeMs }
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined
    throw error
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return !isErrno(error, 'ESRCH')
  }
}

function isStale(found: { owner: LockOwner | undefined; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - found.mtimeMs > staleMs) return true
  const { owner } = found
  return owner !== undefined && owner.host === hostname() && owner.pid !== process.pid && !processIsAlive(owner.pid)
}

/**
 * Removes a stale lock, provided it is still the very lock that was judged stale. False when
 * another process is breaking it right now.
 */
function breakStaleLock(lockPath: string, staleText: string, staleMs: number): boolean {
  const breaker = `${lockPath}.break`
  if (!createExclusive(breaker, String(process.pid))) {
    const other = readOwner(breaker)
    // A breaker that died while breaking leaves this file behind; the window is tiny, so age will do.
    if (other && Date.now() - other.mtimeMs > staleMs) unlinkQuietly(breaker)
    return false
  }
  try {
    const current = readOwner(lockPath)
    if (current && current.text === staleText) unlinkQuietly(lockPath)
    return true
  } finally {
    unlinkQuietly(breaker)
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file)
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error
  }
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs `fn` while holding the lock `lockPath`. Waiting is real time on purpose: it coordinates
 * real processes over a real file, and never changes what is computed, only when.
 */
export async function withFileLock<T>(lockPath: string, fn: () => T | Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const { staleMs, timeoutMs, retryMs } = { ...defaultFileLockOptions, ...options }
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID(), at: Date.now() }
  const ownerText = JSON.stringify(owner)
  const started = Date.now()
  let wait = retryMs
  while (!createExclusive(lockPath, ownerText)) {
    const found = readOwner(lockPath)
    if (found && isStale(found, staleMs) && breakStaleLock(lockPath, found.text, staleMs)) continue
    if (Date.now() - started > timeoutMs) throw new FileLockTimeoutError(lockPath, timeoutMs)
    await pause(wait)
    wait = Math.min(100, wait * 2)
  }
  try {
    return await fn()
  } finally {
    // Only our own lock: if it was broken as stale meanwhile, someone else's is there now.
    const current = readOwner(lockPath)
    if (current?.text === ownerText) unlinkQuietly(lockPath)
  }
}
