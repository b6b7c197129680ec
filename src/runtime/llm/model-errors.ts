import type { LlmProvider } from '../scenario/schema.ts'
import type { ModelErrorKind, ModelErrorWire } from './model-wire.ts'

/**
 * Error answers in each provider's own shape: the status, the body its SDK turns into its error
 * class (`RateLimitError`, `InternalServerError`, ...), and the headers its retry logic reads.
 */

const openaiErrors: Record<ModelErrorKind, { status: number; type: string; code: string | null; message: string }> = {
  rate_limited: { status: 429, type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  overloaded: { status: 503, type: 'server_error', code: 'server_overloaded', message: 'The server is overloaded. Please try again later.' },
  server_error: { status: 500, type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  unavailable: { status: 503, type: 'server_error', code: 'service_unavailable', message: 'The service is temporarily unavailable.' },
  unauthorized: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  bad_request: { status: 400, type: 'invalid_request_error', code: 'invalid_request', message: 'The request was rejected as invalid.' },
  not_found: { status: 404, type: 'invalid_request_error', code: 'not_found', message: 'The requested resource was not found.' },
}

const anthropicErrors: Record<ModelErrorKind, { status: number; type: string; message: string }> = {
  rate_limited: { status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
  overloaded: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
  server_error: { status: 500, type: 'api_error', message: 'Internal server error' },
  unavailable: { status: 503, type: 'api_error', message: 'Service unavailable' },
  unauthorized: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  bad_request: { status: 400, type: 'invalid_request_error', message: 'The request was rejected as invalid.' },
  not_found: { status: 404, type: 'not_found_error', message: 'Not found' },
}

/** A fixed epoch for reset times, so every header is the same on every run. */
const epochMs = Date.UTC(2026, 0, 1)

export interface ModelErrorOptions {
  /** Seconds in Retry-After (429 and 503/529). */
  retryAfterSeconds: number
  /** Virtual now, for anthropic's absolute reset time. */
  nowMs: number
  requestId: string
}

export function modelError(provider: LlmProvider, kind: ModelErrorKind, options: ModelErrorOptions): ModelErrorWire {
  const retrying = kind === 'rate_limited' || kind === 'overloaded' || kind === 'unavailable'
  const retryAfter: Record<string, string> = retrying ? { 'retry-after': String(options.retryAfterSeconds) } : {}
  if (provider === 'anthropic') {
    const error = anthropicErrors[kind]
    const limits: Record<string, string> =
      kind === 'rate_limited'
        ? {
            'anthropic-ratelimit-requests-limit': '50',
            'anthropic-ratelimit-requests-remaining': '0',
            'anthropic-ratelimit-requests-reset': new Date(epochMs + options.nowMs + options.retryAfterSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          }
        : {}
    return {
      status: error.status,
      headers: { 'request-id': options.requestId, ...retryAfter, ...limits },
      body: { type: 'error', error: { type: error.type, message: error.message }, request_id: options.requestId },
    }
  }
  const error = openaiErrors[kind]
  const limits: Record<string, string> =
    kind === 'rate_limited'
      ? {
          'x-ratelimit-limit-requests': '500',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': `${options.retryAfterSeconds}s`,
          'x-ratelimit-limit-tokens': '200000',
          'x-ratelimit-remaining-tokens': '0',
          'x-ratelimit-reset-tokens': `${options.retryAfterSeconds}s`,
        }
      : {}
  return {
    status: error.status,
    headers: { 'x-request-id': options.requestId, ...retryAfter, ...limits },
    body: { error: { message: error.message, type: error.type, param: null, code: error.code } },
  }
}
