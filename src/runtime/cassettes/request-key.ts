import canonicalize from 'canonicalize'
import { scrubText } from './scrub-secrets.ts'

/**
 * How a request is matched in a cassette: its method, its URL written as the scenario writes its
 * base URL (so `${env.LLM_URL}/chat/completions`, never the port or host the variable held), and
 * its body normalised. A JSON body is canonicalised (RFC 8785, by `canonicalize`): key order and
 * whitespace do not matter, values do. Secrets are scrubbed before anything is compared or kept.
 */

export interface CassetteRequest {
  method: string
  /** The URL with the resolved base URL replaced by the base URL as written in the scenario. */
  url: string
  /** The body as JSON when it parses, else its text; null when empty. */
  body: unknown
}

export interface KeyContext {
  /** The base URL as the task resolved it (`${env...}` filled in). */
  resolvedBase: string
  /** The base URL as the scenario writes it. */
  writtenBase: string
  secrets: readonly string[]
}

export function cassetteRequest(method: string, url: string, bodyText: string, context: KeyContext): CassetteRequest {
  const base = context.resolvedBase.replace(/\/+$/, '')
  const written = url.startsWith(base) ? context.writtenBase.replace(/\/+$/, '') + url.slice(base.length) : url
  return { method: method.toUpperCase(), url: scrubText(written, context.secrets), body: normalisedBody(scrubText(bodyText, context.secrets)) }
}

function normalisedBody(text: string): unknown {
  if (text.length === 0) return null
  try {
    // Through the canonical text and back: the stored object keeps its keys in canonical order.
    return JSON.parse(canonicalize(JSON.parse(text)) ?? 'null')
  } catch {
    return text
  }
}

/** One string per distinct request: what two requests must share to get the same recorded answer. */
export function requestKey(request: CassetteRequest): string {
  return `${request.method} ${request.url}\n${canonicalize(request.body) ?? 'null'}`
}

/** How a message names a request: method and URL (as written, scrubbed), never its body. */
export function describeCassetteRequest(request: CassetteRequest): string {
  return `${request.method} ${request.url}`
}
