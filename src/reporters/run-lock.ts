import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import lockfile from 'proper-lockfile'

export interface RunLockOptions {
  /** A lock not refreshed for this long belongs to a run that was killed, and is broken. @default 10000 */
  staleMs?: number
  /** How long a second run waits for the first before it gives up. @default 12000 */
  waitMs?: number
}

export class RunLockError extends Error {
  override readonly name = 'RunLockError'
  readonly code = 'AWRR_RUN_LOCKED'
  constructor(readonly outputDir: string, waitMs: number, cause: unknown) {
    super(
      `[awrr] Another AWRR run is writing to "${outputDir}" (its lock ${join(outputDir, 'run.lock')} was held for the ${waitMs} ms this run waited). ` +
        'Two runs in one output directory would mix their traces and reports: wait for the other run, or give this one its own `outputDir`. ' +
        'A lock left by a killed run is broken by itself once it is 10 s old.',
      { cause },
    )
  }
}

export function isRunLockError(error: unknown): error is RunLockError {
  return error instanceof RunLockError
}

/**
 * Holds `<outputDir>/run.lock` for one run, with proper-lockfile: a directory made atomically
 * (mkdir), whose mtime the holder refreshes; a lock that stopped being refreshed (its run was
 * killed) is stale and broken by the next run. Released on `release()` and on process exit.
 * @throws RunLockError when another live run holds it past `waitMs`.
 */
export async function acquireRunLock(outputDir: string, options: RunLockOptions = {}): Promise<() => Promise<void>> {
  const staleMs = options.staleMs ?? 10_000
  const waitMs = options.waitMs ?? 12_000
  mkdirSync(outputDir, { recursive: true })
  const retryMs = Math.max(50, Math.min(1_000, Math.floor(waitMs / 10)))
  try {
    const release = await lockfile.lock(outputDir, {
      lockfilePath: join(outputDir, 'run.lock'),
      realpath: false,
      stale: staleMs,
      update: Math.max(1_000, Math.floor(staleMs / 3)),
      retries: { retries: Math.ceil(waitMs / retryMs), minTimeout: retryMs, maxTimeout: retryMs, factor: 1 },
      // The main process refreshes the lock; if it ever could not (a stall longer than staleMs), the
      // run goes on and says so instead of crashing.
      onCompromised: (error) => console.warn(`[awrr] The run lock on ${outputDir} was lost: ${error.message}`),
    })
    let released = false
    return async () => {
      if (released) return
      released = true
      await release().catch(() => {})
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new RunLockError(outputDir, waitMs, error)
    throw error
  }
}
