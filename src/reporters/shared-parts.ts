import type { TaskSummary } from '../runtime/executor/task-summary.ts'

/**
 * Vitest's main process keeps every test's meta until the run ends, so the parts of AWRR's task
 * summaries are most of what a big suite costs it per task run. Most parts repeat from task to
 * task: the file, its trace and scenario, the strategy, an all-zero verdict, the same fault hit or
 * diagnosis. `share` replaces each part of a summary by one frozen instance equal to it as JSON (a
 * string by one string), so the run keeps each distinct part once, however many tasks have it.
 * Equal as JSON is the equality a summary already lives by: it is plain JSON, and a sharded run's
 * `--merge-reports` reads it back from JSON (a key holding `undefined` is no key there either).
 *
 * The table is bounded: once it holds `limit` parts, a part it does not know stays as it came. A
 * part longer than `longestKey` characters of JSON is never a table entry (its key would cost what
 * it saves); its own parts are shared. Shared parts are frozen: a reporter that changed one would
 * change it for every task, and now throws instead.
 */
export class SharedParts {
  private readonly strings = new Map<string, string>()
  private readonly parts = new Map<string, object>()

  constructor(
    private readonly limit = 20_000,
    private readonly longestKey = 400,
  ) {}

  /** The summary with each of its fields replaced by its shared instance; the summary itself stays its own. */
  share(summary: TaskSummary): TaskSummary {
    const fields = summary as unknown as Record<string, unknown>
    for (const key of Object.keys(fields)) fields[key] = this.part(fields[key])
    return summary
  }

  private part(value: unknown): unknown {
    if (typeof value === 'string') return this.string(value)
    if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value
    const key = JSON.stringify(value)
    const known = this.parts.get(key)
    if (known) return known
    const children = value as Record<string, unknown>
    for (const child of Object.keys(children)) children[child] = this.part(children[child])
    Object.freeze(value)
    if (key.length <= this.longestKey && this.parts.size < this.limit) this.parts.set(key, value)
    return value
  }

  private string(value: string): string {
    const known = this.strings.get(value)
    if (known !== undefined) return known
    if (value.length <= this.longestKey && this.strings.size < this.limit) this.strings.set(value, value)
    return value
  }
}
