/**
 * The read-after-write check of a careful client, as pure functions over what the client itself
 * saw: its view of each record (the last answer it accepted, plus what it wrote since). It never
 * reads the world: a lie that comes before the client knows anything about a record passes.
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The record a built-in call is about: `record_id`, else `order_id`. */
export function recordIdOf(args: Record<string, unknown>): string | undefined {
  const id = args['record_id'] ?? args['order_id']
  return typeof id === 'string' ? id : undefined
}

/**
 * What a write must have changed in its record, as a client of these tools knows it; `undefined`
 * for a write whose effect a read of the record cannot show (a message, a commit).
 */
export function expectedEffect(tool: string, args: Record<string, unknown>): Record<string, unknown> | undefined {
  if (tool === 'update_record' && isObject(args['patch'])) return args['patch']
  if (tool === 'process_payment') return { payment_status: 'paid' }
  return undefined
}

/** The record carried by a built-in answer's result, if it has one. */
export function recordOfResult(result: unknown): Record<string, unknown> | undefined {
  return isObject(result) && isObject(result['record']) ? result['record'] : undefined
}

/** Why `record` disagrees with what the client expects of it; `null` when it agrees. */
export function disagreement(record: Record<string, unknown>, expected: Record<string, unknown>): string | null {
  for (const key of Object.keys(expected).sort()) {
    if (!Object.hasOwn(record, key)) return `field ${key} is missing`
    const want = expected[key]
    const got = record[key]
    if (typeof got !== typeof want) return `field ${key} is a ${typeof got}, expected a ${typeof want}`
    if (!same(got, want)) return `field ${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`
  }
  return null
}

/** A read's answer against the client's view: the id it asked for, and every field it knows. */
export function checkRead(requestedId: string, result: unknown, view: Record<string, unknown> | undefined): string | null {
  const record = recordOfResult(result)
  if (!record) return null
  const answeredId = isObject(result) ? result['record_id'] : undefined
  if (answeredId !== undefined && answeredId !== requestedId) return `asked for ${requestedId}, answered ${String(answeredId)}`
  if (!view) return null
  const problem = disagreement(record, view)
  return problem && `read of ${requestedId}: ${problem}`
}
