import { registerSecret } from '../text/redact-secrets.ts'

/** `${env.NAME}` references in scenario strings: found at load time, resolved in the worker. */
const reference = /\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g

export function envReferences(text: string): string[] {
  return [...text.matchAll(reference)].map((match) => match[1]!)
}

/**
 * Which variables a scenario may read, from the plugin's `env` option: exact names, or prefixes
 * written with a trailing `*` (`'SHOP_*'`). Nothing is allowed by default: a scenario in a pull
 * request is untrusted input, and `${env.AWS_SECRET_ACCESS_KEY}` in a URL would send it away.
 */
export type EnvAllowList = readonly string[]

const allowEntry = /^[A-Za-z_][A-Za-z0-9_]*\*?$/

/** Refuses entries that are not a name or a `PREFIX*`, and a bare `*` (which would allow everything). */
export function validateEnvAllowList(allow: unknown): asserts allow is EnvAllowList {
  if (!Array.isArray(allow)) throw new Error(`[awrr] env must be a list of variable names, e.g. env: ['SHOP_URL', 'SHOP_*'] (got ${typeof allow}).`)
  for (const entry of allow) {
    if (typeof entry !== 'string' || !allowEntry.test(entry)) {
      throw new Error(
        `[awrr] env entry ${JSON.stringify(entry)} is not a variable name or a prefix like 'SHOP_*' ` +
          `(letters, digits and '_', not starting with a digit; a bare '*' would let a scenario read every variable).`,
      )
    }
  }
}

export function isEnvAllowed(name: string, allow: EnvAllowList): boolean {
  return allow.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry))
}

/** Every variable the allow list admits that is set, by name, sorted by name. */
export function allowedEnvVars(allow: EnvAllowList, env: NodeJS.ProcessEnv = process.env): [name: string, value: string][] {
  return Object.entries(env)
    .flatMap(([name, value]): [string, string][] => (value !== undefined && value !== '' && isEnvAllowed(name, allow) ? [[name, value]] : []))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** Every variable the allow list admits that is set: what the reporters redact. */
export function allowedEnvValues(allow: EnvAllowList, env: NodeJS.ProcessEnv = process.env): string[] {
  return allowedEnvVars(allow, env).map(([, value]) => value)
}

export class AwrrMissingEnvError extends Error {
  override readonly name = 'AwrrMissingEnvError'
  readonly code = 'AWRR_MISSING_ENV'
  constructor(readonly variable: string) {
    super(`[awrr] Environment variable ${variable} is not set; a scenario refers to it as \${env.${variable}}. Set it, or start the service in a Vitest globalSetup that sets it.`)
  }
}

/**
 * Fills in the references. Every value filled in is a secret from then on: it is registered, so
 * that traces, summaries and errors leaving this process have it redacted.
 */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(reference, (_match, name: string) => {
    const value = env[name]
    if (value === undefined || value === '') throw new AwrrMissingEnvError(name)
    registerSecret(value)
    return value
  })
}

/** Turns a URL pattern with `*` wildcards into an anchored regular expression. */
export function urlPattern(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*')}$`)
}
