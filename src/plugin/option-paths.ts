import { realpathSync } from 'node:fs'
import path from 'node:path'
import { escapeControlCharacters } from '../runtime/text/control-characters.ts'

/**
 * Strategy and agent names become folders and files (`traces/<name>/`, `memory/<name>.json`) and
 * Vitest project names: one portable path segment, so `../../x` cannot write outside the output
 * directory and no file system rewrites the name.
 */
const safeName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function assertSafeName(name: string, what: 'strategy' | 'agent'): void {
  if (typeof name === 'string' && safeName.test(name)) return
  const shown = typeof name === 'string' ? `"${escapeControlCharacters(name, { singleLine: true })}"` : String(name)
  throw new Error(
    `[awrr] The ${what} name ${shown} cannot name a folder: use letters, digits, '.', '_' and '-', ` +
      `starting with a letter or digit, at most 64 characters (it becomes traces/<name>/ and a Vitest project name).`,
  )
}

/**
 * The output directory relative to the root, forward slashes. Reports, traces and the memory bank
 * are written there; a directory outside the project (`../elsewhere`, an absolute path) is taken
 * only with `allowOutsideRoot: true`, so a config cannot quietly write elsewhere.
 */
export function resolveOutputDir(root: string, outputDir: string, allowOutsideRoot: boolean): string {
  const absolute = path.resolve(root, outputDir)
  const relative = path.relative(root, absolute)
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)
  if (outside && !allowOutsideRoot) {
    throw new Error(
      `[awrr] outputDir "${escapeControlCharacters(outputDir, { singleLine: true })}" is outside the project root ${escapeControlCharacters(root, { singleLine: true })}; ` +
        `set allowOutsideRoot: true in awrr({ ... }) if reports and traces should go there, or pick a folder inside the project.`,
    )
  }
  return (relative || '.').split(path.sep).join('/')
}

const isInside = (root: string, file: string) => {
  const relative = path.relative(root, file)
  return relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative)
}

/**
 * Whether a scenario file really lives in the project: its real path (every symlink followed) must
 * be inside the root's real path. A file in a pull request that links to `/proc/self/environ` or
 * `~/.aws/credentials` is refused before anything reads it. A file that does not exist is left
 * to Vite to report.
 */
export function scenarioLeavesRoot(root: string, file: string): boolean {
  let real: string
  try {
    real = realpathSync(file)
  } catch {
    return false
  }
  let realRoot = root
  try {
    realRoot = realpathSync(root)
  } catch {
    // A root that does not exist yet: compare with it as written.
  }
  return !isInside(realRoot, real)
}
