import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import path from 'node:path'

/**
 * Writes one module's trace events to `<outputDir>/traces/<strategy>/<file>.jsonl`, one synchronous
 * write per task: a worker ended by the watchdog (or killed) has every finished task's lines on
 * disk, whole. A write that fails (a name the file system refuses, a full disk) throws with the
 * file named, so the task's test fails instead of the trace going missing.
 */
export class TraceFile {
  private fd: number | undefined
  private failure: Error | undefined
  constructor(readonly absolutePath: string) {}

  write(lines: string): void {
    if (this.failure) throw this.failure
    try {
      if (this.fd === undefined) {
        mkdirSync(path.dirname(this.absolutePath), { recursive: true })
        this.fd = openSync(this.absolutePath, 'w')
      }
      const bytes = Buffer.from(lines, 'utf8')
      let offset = 0
      while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      this.failure = new Error(`[awrr] Could not write the trace file ${this.absolutePath}: ${reason}`, { cause: error })
      throw this.failure
    }
  }

  close(): Promise<void> {
    const fd = this.fd
    this.fd = undefined
    if (fd !== undefined) closeSync(fd)
    return this.failure ? Promise.reject(this.failure) : Promise.resolve()
  }
}
