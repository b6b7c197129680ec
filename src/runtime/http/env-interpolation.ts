/** `${env.NAME}` references in scenario strings: found at load time, resolved in the worker. */
const reference = /\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g

export function envReferences(text: string): string[] {
  return [...text.matchAll(reference)].map((match) => match[1]!)
}

export class AwrrMissingEnvError extends Error {
  override readonly name = 'AwrrMissingEnvError'
  readonly code = 'AWRR_MISSING_ENV'
  constructor(readonly variable: string) {
    super(`[awrr] Environment variable ${variable} is not set; a scenario refers to it as \${env.${variable}}. Set it, or start the service in a Vitest globalSetup that sets it.`)
  }
}

export function interpolateEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(reference, (_match, name: string) => {
    const value = env[name]
    if (value === undefined || value === '') throw new AwrrMissingEnvError(name)
    return value
  })
}

/** Turns a URL pattern with `*` wildcards into an anchored regular expression. */
export function urlPattern(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*')}$`)
}
