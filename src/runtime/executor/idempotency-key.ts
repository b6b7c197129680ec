import { createHash } from 'node:crypto'

/** What names one side-effecting operation of one task. */
export interface IdempotencyKeyParts {
  seed: number
  strategy: string
  scenario: string
  /** Project-relative scenario file: two files may hold tasks of the same name. */
  file: string
  task: string
  /** `step-2`, `comp-1`, `escalation`, ...: which operation of the task. */
  operation: string
  /**
   * The run's id, for calls to real services: a real idempotent service keeps its keys across runs
   * and would answer today's charge from yesterday's. The built-in world starts empty in every task,
   * so its keys leave it out and stay the same from run to run.
   */
  run?: string | undefined
}

/**
 * The `Idempotency-Key` of one operation: `awrr-` and 40 hex digits of a SHA-256 over the parts as a
 * JSON array. JSON keeps the parts apart (`k` + `a-main` and `k-a` + `main` differ), and the hash
 * makes any name (`订单-中文`, an emoji, a newline) a short ASCII header value.
 */
export function idempotencyKey(parts: IdempotencyKeyParts): string {
  const fields = [parts.seed, parts.strategy, parts.scenario, parts.file, parts.task, parts.operation, parts.run ?? null]
  return `awrr-${createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 40)}`
}
