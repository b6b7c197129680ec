/**
 * What a failing tool throws, shaped like what the HTTP service behind a real tool makes its client
 * throw: a status, the headers and the parsed body, or the `TypeError('fetch failed')` that Node's
 * fetch throws when a connection is reset. Agents and frameworks handle these as they would a real
 * failure; nothing in them says the failure was injected.
 */

const statusTexts: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

/** A tool's service answered with an error status. */
export class ToolHttpError extends Error {
  override readonly name = 'ToolHttpError'
  readonly statusText: string
  /** The error body's `error.code` when it has one (`rate_limited`, `policy_rejected`, ...). */
  readonly code: string | undefined

  constructor(
    readonly tool: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
    readonly body: unknown,
  ) {
    const statusText = statusTexts[status] ?? 'Error'
    const code = errorCodeOf(body)
    const detail = errorMessageOf(body)
    super(`${tool} failed: ${status} ${statusText}${detail ? `: ${detail}` : ''}`)
    this.statusText = statusText
    this.code = code
  }

  /** Seconds the service asked the caller to wait (`Retry-After`), if it said. */
  get retryAfterSeconds(): number | undefined {
    const entry = Object.entries(this.headers).find(([key]) => key.toLowerCase() === 'retry-after')
    const seconds = entry ? Number(entry[1]) : Number.NaN
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
  }
}

export function isToolHttpError(error: unknown): error is ToolHttpError {
  return error instanceof ToolHttpError
}

/** Node's fetch on a reset connection: `TypeError: fetch failed`, caused by `ECONNRESET`. */
export function connectionResetError(): TypeError {
  const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' })
  return new TypeError('fetch failed', { cause })
}

/** What `fetch` rejects with when its signal aborts without a reason of its own. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

function errorOf(body: unknown): Record<string, unknown> | undefined {
  if (!body || typeof body !== 'object') return undefined
  const error = (body as Record<string, unknown>)['error']
  return error && typeof error === 'object' ? (error as Record<string, unknown>) : undefined
}

function errorCodeOf(body: unknown): string | undefined {
  const code = errorOf(body)?.['code']
  return typeof code === 'string' ? code : undefined
}

function errorMessageOf(body: unknown): string | undefined {
  const message = errorOf(body)?.['message']
  return typeof message === 'string' ? message : undefined
}
