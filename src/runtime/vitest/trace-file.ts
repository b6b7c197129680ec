import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import path from 'node:path'

/** Streams one module's trace events to `<outputDir>/traces/<strategy>/<file>.jsonl`. */
export class TraceFile {
  private stream: WriteStream | undefined
  constructor(readonly absolutePath: string) {}

  write(lines: string): void {
    if (!this.stream) {
      mkdirSync(path.dirname(this.absolutePath), { recursive: true })
      this.stream = createWriteStream(this.absolutePath, { flags: 'w' })
    }
    this.stream.write(lines)
  }

  close(): Promise<void> {
    const stream = this.stream
    if (!stream) return Promise.resolve()
    return new Promise((resolve, reject) => {
      stream.once('error', reject)
      stream.end(resolve)
    })
  }
}
