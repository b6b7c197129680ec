import canonicalize from 'canonicalize'
import { scrubText } from './scrub-secrets.ts'

/**
 * How a request is matched in a cassette: its method, its URL with the value of every variable the
 * config allows written back as `${env.NAME}` (so `${env.LLM_URL}/chat/completions`, never the
 * host or port the variable held, which may change from run to run and is a secret), and
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
  /** The variables the config allows, by name: their values in a URL are written as `${env.NAME}`. */
  envVars: readonly (readonly [name: string, value: string])[]
  secrets: readonly string[]
}

/** The URL with each allowed variable's value replaced by its reference, longest value first. */
export function urlAsWritten(url: string, envVars: KeyContext['envVars']): string {
  const ordered = [...envVars].filter(([, value]) => value.length > 0).sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : a > b ? 1 : 0))
  let written = url
  for (const [name, value] of ordered) written = written.split(value).join(`\${env.${name}}`)
  return written
}

export function cassetteRequest(method: string, url: string, bodyText: string, context: KeyContext): CassetteRequest {
  return { method: method.toUpperCase(), url: scrubText(urlAsWritten(url, context.envVars), context.secrets), body: normalisedBody(scrubText(bodyText, context.secrets)) }
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
