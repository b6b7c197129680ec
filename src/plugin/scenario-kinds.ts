import { readFileSync } from 'node:fs'
import { escapePath, globSync } from 'tinyglobby'
import { isMap, parseDocument } from 'yaml'
import { hasControlCharacters } from '../runtime/text/control-characters.ts'
import { scenarioLeavesRoot } from './option-paths.ts'

/**
 * Scenario files by who runs them: strategies run the ones with a `workflow:` (or `generate:`,
 * `tasks:`), agents the ones with an `input:`. A file that cannot be read as a mapping is in
 * neither list, so every project still loads it and reports its error.
 */
export interface ScenarioKinds {
  /** Root-relative paths of files with a top-level `input:`. */
  input: string[]
  /** Root-relative paths of every other file that parses. */
  workflow: string[]
  /**
   * Root-relative paths holding a control character (ESC, a lone CR, a bidi override): no project
   * runs them, since Vitest prints a module's path as it is; the run fails naming them escaped.
   */
  unprintable: string[]
}

const vitestDefaultExclude = ['**/node_modules/**', '**/.git/**']

/** Reads only whether the top level has `input`; validation is the compile step's job. */
export function scenarioKindOf(text: string): 'input' | 'workflow' | 'unknown' {
  let document
  try {
    document = parseDocument(text, { uniqueKeys: false })
  } catch {
    return 'unknown'
  }
  if (document.errors.length > 0 || !isMap(document.contents)) return 'unknown'
  return document.contents.has('input') ? 'input' : 'workflow'
}

const includedFiles = (cwd: string, include: readonly string[], exclude: readonly string[] | undefined) =>
  globSync([...include], { cwd, ignore: [...(exclude ?? vitestDefaultExclude)], dot: false }).sort()

/** The included scenario files whose root-relative path holds a control character; none is read. */
export function findUnprintableScenarioFiles(cwd: string, include: readonly string[], exclude: readonly string[] | undefined): string[] {
  return includedFiles(cwd, include, exclude).filter((file) => hasControlCharacters(file))
}

export function findScenarioKinds(cwd: string, include: readonly string[], exclude: readonly string[] | undefined): ScenarioKinds {
  const files = includedFiles(cwd, include, exclude)
  const kinds: ScenarioKinds = { input: [], workflow: [], unprintable: [] }
  for (const file of files) {
    if (hasControlCharacters(file)) {
      kinds.unprintable.push(file)
      continue
    }
    // A link out of the project is never read: every project loads it, and the plugin refuses it.
    if (scenarioLeavesRoot(cwd, `${cwd}/${file}`)) continue
    let text: string
    try {
      text = readFileSync(`${cwd}/${file}`, 'utf8')
    } catch {
      continue
    }
    const kind = scenarioKindOf(text)
    if (kind !== 'unknown') kinds[kind].push(file)
  }
  return kinds
}

/** Glob patterns that match exactly these root-relative files. */
export function exactPatterns(files: readonly string[]): string[] {
  return files.map((file) => escapePath(file))
}

export { vitestDefaultExclude }
