import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { corpusEnv } from '../fixtures/bad-scenarios/corpus-env.ts'
import { generatedBadScenarios } from '../fixtures/bad-scenarios/generated-cases.ts'
import { hasControlCharacters } from '../src/runtime/text/control-characters.ts'
import { fixturePath, readReport, repoRoot } from './run-vitest.ts'

/**
 * End-to-end: Vitest runs every file of the bad-input corpus beside two good scenarios
 * (fixtures/bad-scenarios-run). Each bad file must fail alone, at the `file:line:col` that
 * `expected.json` gives; the good ones pass and reach report.json; the run ends, exits 1 and has no
 * unhandled errors.
 */

interface CorpusEntry {
  file: string
  generated?: boolean
  issues: { code: string; path: string; line: number; column: number }[]
}

interface JsonTestResult {
  name: string
  status: string
  message: string
  assertionResults: { status: string; fullName: string }[]
}

const fixture = 'bad-scenarios-run'
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/bad-scenarios/expected.json'), 'utf8')) as { files: CorpusEntry[] }
const generatedDir = fixturePath(fixture, 'generated')
const goodScenarios = ['gift-card-checkout', 'stock-check']

/** How the plugin names a file: relative to the project root, fixtures/ (see the fixture's config). */
const printedPath = (entry: CorpusEntry) => (entry.generated ? `bad-scenarios-run/generated/${entry.file}` : `bad-scenarios/${entry.file}`)
const absolutePath = (entry: CorpusEntry) => path.resolve(fixturePath('.'), printedPath(entry))

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
  results: JsonTestResult[]
}

/** Well above the run's usual 20 s on a loaded 2-core machine; a hang ends here instead of in CI's limit. */
const runLimitMs = 150_000

function runFixture(): Promise<Run> {
  const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')
  const jsonReport = fixturePath(fixture, '.awrr', 'vitest.json')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonReport}`], {
      cwd: fixturePath(fixture),
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: 'true', AWRR_SEED: '', VITEST_POOL_ID: '', VITEST_WORKER_ID: '', ...corpusEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: runLimitMs,
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      let results: JsonTestResult[] = []
      try {
        results = (JSON.parse(readFileSync(jsonReport, 'utf8')) as { testResults: JsonTestResult[] }).testResults
      } catch {
        // No JSON report: the run did not finish, which the first test reports with the output.
      }
      resolve({ code, signal, output, results })
    })
  })
}

let run: Run

beforeAll(async () => {
  rmSync(fixturePath(fixture, '.awrr'), { recursive: true, force: true })
  rmSync(generatedDir, { recursive: true, force: true })
  mkdirSync(generatedDir, { recursive: true })
  for (const [file, build] of Object.entries(generatedBadScenarios)) writeFileSync(path.join(generatedDir, file), build())
  run = await runFixture()
}, runLimitMs + 20_000)

afterAll(() => rmSync(generatedDir, { recursive: true, force: true }))

const context = () => `exit ${run.code}, signal ${run.signal}\n${run.output.slice(-4000)}`

describe('vitest run on the bad-input corpus', () => {
  test('ends on its own, exits 1 and has no unhandled errors', () => {
    expect(run.signal, context()).toBeNull()
    expect(run.code, context()).toBe(1)
    expect(run.output).not.toMatch(/Unhandled|Maximum call stack|out of memory/i)
    expect(run.results.length, context()).toBe(manifest.files.length + goodScenarios.length)
  })

  test('every bad file fails alone, at file:line:col of each of its issues', () => {
    const byName = new Map(run.results.map((result) => [result.name, result]))
    const otherFiles = manifest.files.map((entry) => entry.file)
    for (const entry of manifest.files) {
      const result = byName.get(absolutePath(entry))
      expect(result, `${entry.file} did not run`).toBeDefined()
      expect(result!.status, entry.file).toBe('failed')
      expect(result!.assertionResults, entry.file).toEqual([])
      const messageLines = result!.message.split('\n')
      expect(messageLines, entry.file).toEqual(
        entry.issues.map((issue) =>
          expect.stringContaining(`[awrr] Failed to load scenario "${printedPath(entry)}:${issue.line}:${issue.column}": `),
        ),
      )
      // Alone: the error names its own file and no other.
      expect(otherFiles.filter((file) => file !== entry.file && result!.message.includes(`/${file}:`)), entry.file).toEqual([])
      const first = entry.issues[0]!
      expect(run.output, entry.file).toContain(`${printedPath(entry)}:${first.line}:${first.column}`)
    }
  })

  test('no output holds a value from the environment, the contents of the symlinked file, or a raw control character', () => {
    const report = readFileSync(fixturePath(fixture, '.awrr', 'vitest.json'), 'utf8')
    for (const [name, value] of Object.entries(corpusEnv)) {
      if (value.length < 4) continue
      const core = value.split('\r')[0]!
      expect(run.output.includes(core), `${name} in the terminal`).toBe(false)
      expect(report.includes(core), `${name} in the JSON report`).toBe(false)
    }
    // /proc/self/environ of the run holds the corpus's variables: none of its text was printed.
    expect(run.output).not.toContain('AWRR_CORPUS_NOT_A_URL=')
    expect(run.output).toContain('symlink-outside-root.scenario.yaml:1:1": the file\'s real path (following symlinks) is outside the project root')
    const lines = run.output.split('\n').filter((line) => line.includes('[awrr]'))
    expect(lines.length).toBeGreaterThan(100)
    expect(lines.filter((line) => hasControlCharacters(line))).toEqual([])
    expect(run.output).toContain('get_record\\x1b[2J\\x1b]8;;http://x\\x07\\u202eevil X')
  })

  test('the good files pass and are in report.json, the bad ones are not', () => {
    const good = run.results.filter((result) => result.name.startsWith(fixturePath(fixture, 'scenarios')))
    expect(good.map((result) => [path.basename(result.name), result.status])).toEqual(
      goodScenarios.map((name) => [`${name}.scenario.yaml`, 'passed']),
    )
    const report = readReport(fixture)
    const tasks = report.strategies.B2.tasks as { scenario: string; outcome: string }[]
    expect(tasks.map((task) => task.scenario).sort()).toEqual(goodScenarios)
    expect(tasks.map((task) => task.outcome)).toEqual(['completed', 'completed'])
  })
})
