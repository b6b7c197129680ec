import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import path from 'node:path'

/**
 * Streams one module's trace events to `<outputDir>/traces/<strategy>/<file>.jsonl`. A write that
 * fails (a name the file system refuses, a full disk) is kept and thrown by the next `write()` and
 * by `close()`, so the module's tests fail with the file named instead of the trace going missing.
 */
export class TraceFile {
  private stream: WriteStream | undefined
  private failure: Error | undefined
  constructor(readonly absolutePath: string) {}

  write(lines: string): void {
    if (this.failure) throw this.failure
    if (!this.stream) {
      try {
        mkdirSync(path.dirname(this.absolutePath), { recursive: true })
      } catch (error) {
        throw this.fail(error)
      }
      this.stream = createWriteStream(this.absolutePath, { flags: 'w' })
      this.stream.on('error', (error) => void this.fail(error))
    }
    this.stream.write(lines)
  }

  close(): Promise<void> {
    const stream = this.stream
    if (!stream) return this.failure ? Promise.reject(this.failure) : Promise.resolve()
    return new Promise((resolve, reject) => {
      if (this.failure || stream.destroyed) {
        // end() on a stream that failed never calls back.
        reject(this.failure ?? new Error(`[awrr] The trace file ${this.absolutePath} was closed before its lines were written.`))
        return
      }
      stream.once('error', () => reject(this.failure))
      // end()'s callback gets the error when the file could not be opened or written.
      stream.end((error?: Error | null) => (error || this.failure ? reject(this.fail(error ?? this.failure)) : resolve()))
    })
  }

  private fail(error: unknown): Error {
    const reason = error instanceof Error ? error.message : String(error)
    this.failure ??= new Error(`[awrr] Could not write the trace file ${this.absolutePath}: ${reason}`, { cause: error })
    return this.failure
  }
}
