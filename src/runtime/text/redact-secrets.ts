/**
 * Values read from the environment through `${env.NAME}`, and how they are kept out of every
 * output. A secret is replaced wherever it appears as written, URL-encoded, JSON-escaped or
 * base64-encoded (at any byte alignment, standard and URL-safe alphabets), so an
 * `Authorization: Basic ...` header or a query string in a trace gives nothing away.
 */
export const redactedText = '[redacted]'

/**
 * Shorter values cannot be redacted without redacting ordinary text too (a `42` is in every
 * report), so a scenario may not interpolate them (a load error).
 */
export const minimumSecretLength = 4
/** Base64 forms are matched only for values this long: a shorter value's core is a few letters. */
const minimumBase64Length = 8

const secrets = new Set<string>()
let patterns: string[] | undefined

/** Marks a value as secret in this process (workers: when a `${env}` reference is filled in). */
export function registerSecret(value: string): void {
  if (value.length < minimumSecretLength || secrets.has(value)) return
  secrets.add(value)
  patterns = undefined
}

/** The base64 characters that depend only on the value, for the value starting at byte offset 0, 1 and 2. */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const cores: string[] = []
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes])
    const encoded = padded.toString('base64').replace(/=+$/, '')
    const first = Math.ceil((8 * offset) / 6)
    const last = Math.floor((8 * padded.length - 6) / 6)
    const core = encoded.slice(first, last + 1)
    cores.push(core, core.replaceAll('+', '-').replaceAll('/', '_'))
  }
  return cores
}

function formsOf(value: string): string[] {
  const forms = [value, encodeURIComponent(value), encodeURI(value), JSON.stringify(value).slice(1, -1), encodeURIComponent(value).replaceAll('%20', '+')]
  if (value.length >= minimumBase64Length) forms.push(...base64Cores(value))
  return forms
}

function patternsOf(values: Iterable<string>): string[] {
  const all = new Set<string>()
  for (const value of values) if (value.length >= minimumSecretLength) for (const form of formsOf(value)) if (form.length >= minimumSecretLength) all.add(form)
  // Longest first, so a value that contains another is replaced whole.
  return [...all].sort((a, b) => b.length - a.length)
}

/** The text with every registered secret (or the given values) replaced by `[redacted]`. */
export function redactSecrets(text: string, values?: Iterable<string>): string {
  const forms = values === undefined ? (patterns ??= patternsOf(secrets)) : patternsOf(values)
  let result = text
  for (const form of forms) if (result.includes(form)) result = result.split(form).join(redactedText)
  return result
}

export function hasSecrets(): boolean {
  return secrets.size > 0
}

/** A copy of plain JSON-like data with every string (keys too) redacted; the input is not changed. */
export function redactDeep<T>(value: T, values?: Iterable<string>): T {
  const forms = values === undefined ? (patterns ??= patternsOf(secrets)) : patternsOf(values)
  if (forms.length === 0) return value
  const redactText = (text: string) => {
    let result = text
    for (const form of forms) if (result.includes(form)) result = result.split(form).join(redactedText)
    return result
  }
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redactText(node)
    if (Array.isArray(node)) return node.map(walk)
    if (node !== null && typeof node === 'object') {
      const copy: Record<string, unknown> = {}
      for (const [key, child] of Object.entries(node)) copy[redactText(key)] = walk(child)
      return copy
    }
    return node
  }
  return walk(value) as T
}

/**
 * An error that is safe to hand to Vitest, which prints and serialises every own property (a
 * `TypeError: Failed to parse URL` carries the URL as `input`): a fresh error with the message and
 * stack redacted, and only the name and code kept.
 */
export function redactError(error: unknown): unknown {
  if (secrets.size === 0) return error
  if (!(error instanceof Error)) return typeof error === 'string' ? redactSecrets(error) : error
  const safe = new Error(redactSecrets(error.message))
  safe.name = error.name
  if (error.stack !== undefined) safe.stack = redactSecrets(error.stack)
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') Object.assign(safe, { code })
  return safe
}
