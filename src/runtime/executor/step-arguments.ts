/**
 * A step's arguments may take a value from an earlier step's answer: `amount: { $from: '0.record.value' }`
 * is the `record.value` of step 0's accepted result. This is how a workflow acts on what it read,
 * so that a lying read reaches the world the way it would in an agent.
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `{ $from: 'N.path' }`: the only key of the object, the step index, then a dotted path. */
export function referenceOf(value: unknown): { step: number; path: string[] } | undefined {
  if (!isObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length !== 1 || keys[0] !== '$from' || typeof value['$from'] !== 'string') return undefined
  const [step, ...path] = value['$from'].split('.')
  const index = Number(step)
  return Number.isInteger(index) && index >= 0 ? { step: index, path } : undefined
}

function lookup(result: unknown, path: readonly string[]): unknown {
  let current = result
  for (const key of path) current = isObject(current) && Object.hasOwn(current, key) ? current[key] : undefined
  return current
}

/**
 * The arguments with every reference replaced by the value it names in `results` (accepted
 * results by step index). A reference to nothing (a step not yet run, a field the answer lacks)
 * leaves the argument out, so the tool answers as it would to a missing argument.
 */
export function resolveArguments(args: Record<string, unknown>, results: ReadonlyMap<number, unknown>): Record<string, unknown> {
  let changed = false
  const resolved: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(args)) {
    const reference = referenceOf(value)
    if (!reference) {
      resolved[key] = isObject(value) ? resolveArguments(value, results) : value
      if (resolved[key] !== value) changed = true
      continue
    }
    changed = true
    const found = lookup(results.get(reference.step), reference.path)
    if (found !== undefined) resolved[key] = found
  }
  return changed ? resolved : args
}
