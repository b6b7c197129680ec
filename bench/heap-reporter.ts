import { writeFileSync } from 'node:fs'
import type { Reporter } from 'vitest/node'

/**
 * The Vitest main process's heap once every test has reported, after a full collection: what that
 * process keeps for the run (Vitest's task tree, the reporters' data). bench/run.mjs starts Vitest
 * with --expose-gc and compares two suite sizes, so the slope is what one more task run costs.
 * Listed before AWRR's reporter (the plugin adds its own afterwards), so it measures before any
 * report is built.
 */
export class HeapReporter implements Reporter {
  constructor(private readonly file: string | undefined) {}

  onTestRunEnd(): void {
    const gc = (globalThis as { gc?: () => void }).gc
    if (!this.file || !gc) return
    gc()
    gc()
    writeFileSync(this.file, JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }) + '\n')
  }
}
