export interface ColorEnvironment {
  env: Readonly<Record<string, string | undefined>>
  isTTY: boolean
}

/**
 * Whether terminal output should be coloured: `FORCE_COLOR` wins (unless `0` or `false`), then
 * `NO_COLOR` (any non-empty value, per no-color.org) turns colour off, else colour on a TTY only.
 */
export function shouldUseColor({ env, isTTY }: ColorEnvironment): boolean {
  const force = env['FORCE_COLOR']
  if (force !== undefined) return force !== '0' && force !== 'false'
  if (env['NO_COLOR']) return false
  return isTTY
}
