import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { generatedBadScenarios } from '../../../fixtures/bad-scenarios/generated-cases.ts'
import { corpusEnv, corpusEnvAllowed } from '../../../fixtures/bad-scenarios/corpus-env.ts'
import { compileScenario } from '../../plugin/compile-scenario.ts'
import { scenarioLeavesRoot } from '../../plugin/option-paths.ts'
import { hasControlCharacters } from '../text/control-characters.ts'
import { parseScenarioSource } from './load-scenario.ts'
import { scenarioIssueCodes } from './scenario-error.ts'

/**
 * The bad-input corpus: every file of `fixtures/bad-scenarios/` must be rejected with exactly the
 * issues `expected.json` lists for it (code, key path, line, column), and quickly: a file that makes
 * the loader hang or recurse until the stack runs out fails here by timeout or by a changed position.
 */

interface ExpectedIssue {
  code: string
  path: string
  line: number
  column: number
}

interface CorpusEntry {
  file: string
  why: string
  generated?: boolean
  /**
   * "compile": the file parses; the plugin's compile step, which sees the environment, rejects it.
   * "plugin": the plugin refuses the file before reading it (a symlink out of the project).
   */
  stage?: 'compile' | 'plugin'
  issues: ExpectedIssue[]
}

const corpusDir = fileURLToPath(new URL('../../../fixtures/bad-scenarios/', import.meta.url))
const manifest = JSON.parse(readFileSync(`${corpusDir}expected.json`, 'utf8')) as { files: CorpusEntry[] }

function bytesOf(entry: CorpusEntry): Uint8Array {
  if (!entry.generated) return readFileSync(`${corpusDir}${entry.file}`)
  const build = generatedBadScenarios[entry.file]
  if (!build) throw new Error(`expected.json lists ${entry.file} as generated, but generated-cases.ts cannot build it`)
  return Buffer.from(build())
}

describe('the bad-scenario corpus', () => {
  test('lists every file of the folder once, and has at least 50 of them', () => {
    const onDisk = readdirSync(corpusDir).filter((name) => name.endsWith('.scenario.yaml')).sort()
    const committed = manifest.files.filter((entry) => !entry.generated).map((entry) => entry.file)
    expect(committed).toEqual(onDisk)
    const generated = manifest.files.filter((entry) => entry.generated).map((entry) => entry.file)
    expect(generated.sort()).toEqual(Object.keys(generatedBadScenarios).sort())
    expect(new Set(manifest.files.map((entry) => entry.file)).size).toBe(manifest.files.length)
    expect(manifest.files.length).toBeGreaterThanOrEqual(50)
  })

  test('exercises every issue code the loader has', () => {
    const used = new Set(manifest.files.flatMap((entry) => entry.issues.map((issue) => issue.code)))
    expect([...scenarioIssueCodes].filter((code) => !used.has(code))).toEqual([])
  })

  // Generous: the slowest file parses in well under a second; a quadratic or exponential path takes minutes.
  test.each(manifest.files.filter((entry) => entry.stage === undefined).map((entry) => [entry.file, entry] as const))('%s', (file, entry) => {
    const bytes = bytesOf(entry)
    const result = parseScenarioSource(bytes, `fixtures/bad-scenarios/${file}`)
    if (result.ok) throw new Error(`${file} was accepted; expected ${entry.issues.map((issue) => issue.code).join(', ')} (${entry.why})`)
    expect(result.issues.map(({ code, path, line, column }) => ({ code, path, line, column }))).toEqual(entry.issues)

    const lineCount = Buffer.from(bytes).toString('utf8').split('\n').length
    for (const issue of result.issues) {
      expect(issue.line).toBeLessThanOrEqual(lineCount)
      expect(issue.message.length).toBeGreaterThan(0)
      // A 20,000-character line is quoted, not copied, into the message.
      expect(issue.received.length).toBeLessThanOrEqual(80)
      // Control characters from the file are shown escaped, never raw.
      expect(hasControlCharacters(issue.message), issue.message).toBe(false)
      expect(hasControlCharacters(issue.received), issue.received).toBe(false)
    }
  }, 60_000)
  test.each(manifest.files.filter((entry) => entry.stage === 'compile').map((entry) => [entry.file, entry] as const))(
    '%s (parses, and the compile step rejects it)',
    (file, entry) => {
      const bytes = bytesOf(entry)
      expect(parseScenarioSource(bytes, `fixtures/bad-scenarios/${file}`).ok).toBe(true)
      const { code } = compileScenario({ source: bytes, absoluteFile: `${corpusDir}${file}`, file: `fixtures/bad-scenarios/${file}`, suiteModule: '/suite.ts', env: corpusEnv, envAllowed: corpusEnvAllowed })
      expect(code.startsWith('throw ')).toBe(true)
      const issues = JSON.parse(/issues: (\[.*\]) \}\);/.exec(code)![1]!) as ExpectedIssue[]
      expect(issues.map(({ code, path, line, column }) => ({ code, path, line, column }))).toEqual(entry.issues)
      for (const issue of entry.issues) expect(code).toContain(`fixtures/bad-scenarios/${file}:${issue.line}:${issue.column}`)
      // The error names the variables, never their values.
      for (const value of Object.values(corpusEnv)) if (value.length >= 4) expect(code).not.toContain(value.split('\r')[0])
    },
  )
  test.each(manifest.files.filter((entry) => entry.stage === 'plugin').map((entry) => [entry.file, entry] as const))(
    '%s (a link out of the project: refused before it is read)',
    (file) => {
      expect(scenarioLeavesRoot(fileURLToPath(new URL('../../../', import.meta.url)), `${corpusDir}${file}`)).toBe(true)
    },
  )
})
