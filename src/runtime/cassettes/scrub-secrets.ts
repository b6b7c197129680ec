import { redactedText, redactSecrets } from '../text/redact-secrets.ts'

/**
 * What a cassette must never hold: credentials in headers (Authorization, API-key headers, cookies)
 * and the values of the environment variables the config lets scenarios read. A header's secret
 * value is also scrubbed wherever else it turns up (a server that echoes the key in its body).
 */

/** Header names whose value is a credential, whatever the provider calls it. */
const credentialHeader = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-goog-api-key)$|api[-_]?key|secret|token|session/i

export function isCredentialHeader(name: string): boolean {
  return credentialHeader.test(name)
}

/** The values to scrub: the allowed environment values, and every credential header's value (and its token after a scheme). */
export function secretValuesOf(headers: Headers, envValues: readonly string[]): string[] {
  const values = new Set(envValues)
  headers.forEach((value, name) => {
    if (!isCredentialHeader(name)) return
    values.add(value)
    const token = /^\s*(?:bearer|basic|token)\s+(.+)$/i.exec(value)?.[1]
    if (token) values.add(token.trim())
  })
  return [...values].filter((value) => value.length > 0)
}

/** The headers as a sorted plain object, each credential header's value replaced and every secret redacted. */
export function scrubHeaders(headers: Headers, secrets: readonly string[], drop: ReadonlySet<string> = new Set()): Record<string, string> {
  const scrubbed: Record<string, string> = {}
  const names: string[] = []
  headers.forEach((_value, name) => void names.push(name))
  for (const name of names.sort()) {
    if (drop.has(name)) continue
    scrubbed[name] = isCredentialHeader(name) ? redactedText : scrubText(headers.get(name) ?? '', secrets)
  }
  return scrubbed
}

export function scrubText(text: string, secrets: readonly string[]): string {
  return secrets.length === 0 ? text : redactSecrets(text, secrets)
}
