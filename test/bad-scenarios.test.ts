import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { corpusEnv } from '../fixtures/bad-scenarios/corpus-env.ts'
import { generatedBadScenarios } from '../fixtures/bad-scenarios/generated-cases.ts'
import MarkdownIt from 'markdown-it'
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

// Files that load and run, with names that try something on the reader: committed in hostile/, and
// written by the test into hostile-generated/ where the file's own name is the attack.
const hostileDir = fixturePath(fixture, 'hostile')
const hostileGeneratedDir = fixturePath(fixture, 'hostile-generated')
/** Its scenario name (the file name) is HTML, a heading, a javascript: link, a pipe and a formula. */
// No `#` or `?`: Vite reads them as a module id's hash or query and cannot load such a file at all.
const markupFileStem = '<img src=x onerror=alert(1)> [x](javascript:alert(1)) |=HYPERLINK(1)'
/** A path with a screen clear and a bidi override: no project runs it, the run fails naming it escaped. */
const controlFileName = 'clear\u001b[2J bidi\u202eX.scenario.yaml'
const hostileRuns = ['hostile-names.scenario.yaml', 'raw-controls-near-expect.scenario.yaml', `${markupFileStem}.scenario.yaml`]

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
    const child = spawn(process.execPath, [vitestBin, 'run', '--reporter=verbose', '--reporter=json', `--outputFile.json=${jsonReport}`, '--reporter=junit', `--outputFile.junit=${fixturePath(fixture, '.awrr', 'junit.xml')}`], {
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
  rmSync(hostileGeneratedDir, { recursive: true, force: true })
  mkdirSync(hostileGeneratedDir, { recursive: true })
  const oneTask = 'workflow:\n  - tool: get_record\n    with: { record_id: R1 }\nworld:\n  records:\n    R1: { status: pending }\n'
  writeFileSync(path.join(hostileGeneratedDir, `${markupFileStem}.scenario.yaml`), oneTask)
  writeFileSync(path.join(hostileGeneratedDir, controlFileName), oneTask)
  run = await runFixture()
}, runLimitMs + 20_000)

afterAll(() => {
  rmSync(generatedDir, { recursive: true, force: true })
  rmSync(hostileGeneratedDir, { recursive: true, force: true })
})

const context = () => `exit ${run.code}, signal ${run.signal}\n${run.output.slice(-4000)}`

describe('vitest run on the bad-input corpus', () => {
  test('ends on its own, exits 1 and has no unhandled errors', () => {
    expect(run.signal, context()).toBeNull()
    expect(run.code, context()).toBe(1)
    expect(run.output).not.toMatch(/Unhandled|Maximum call stack|out of memory/i)
    expect(run.results.length, context()).toBe(manifest.files.length + goodScenarios.length + hostileRuns.length)
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
    // Not one line of the whole run, Vitest's own included (test names, file names, errors).
    // AWRR's own colour (SGR) on its leaderboard is the only escape sequence allowed.
    const ownColour = /\u001b\[[0-9;]*m/g
    expect(run.output.split(/\r?\n/).filter((line) => hasControlCharacters(line.replace(ownColour, '')))).toEqual([])
    // A file with raw control characters near its error gets AWRR's escaped code frame, not Vitest's raw one.
    expect(run.output).toContain('4|   - tool: get_record\\x1b[2J\\x1b]8;;http://x\\x07\\u202eevil\\rX')
    expect(run.output).toContain('get_record\\x1b[2J\\x1b]8;;http://x\\x07\\u202eevil X')
  })

  test('the good files pass and are in report.json, the bad ones are not', () => {
    const good = run.results.filter((result) => result.name.startsWith(fixturePath(fixture, 'scenarios')))
    expect(good.map((result) => [path.basename(result.name), result.status])).toEqual(
      goodScenarios.map((name) => [`${name}.scenario.yaml`, 'passed']),
    )
    const report = readReport(fixture)
    const all = report.strategies.B2.tasks as { scenario: string; outcome: string }[]
    // Besides the good files, only the hostile files that load: 13 tasks, 1 task and 1 task.
    const scenarios = [...new Set(all.map((task) => task.scenario))].sort()
    expect(scenarios).toEqual([...goodScenarios, 'hostile-names', 'raw-controls-near-expect', markupFileStem].sort())
    expect(all).toHaveLength(goodScenarios.length + 15)
    const tasks = all.filter((task) => goodScenarios.includes(task.scenario))
    expect(tasks.map((task) => task.scenario).sort()).toEqual(goodScenarios)
    expect(tasks.map((task) => task.outcome)).toEqual(['completed', 'completed'])
  })
})

describe('vitest run on hostile names', () => {
  const markdown = new MarkdownIt({ html: true, linkify: true })
  const outputFile = (name: string) => readFileSync(fixturePath(fixture, '.awrr', name), 'utf8')

  test('every hostile task id reaches the terminal as a visible escape (the verbose reporter prints each test)', () => {
    for (const shown of ['clear\\x1b[2J\\x1b[H', 'overwrite\\rPASSED', 'bidi\\u202egnp.exe\\u202c', 'csi\\x9b31m red', 'line\\nbreak']) {
      expect(run.output, shown).toContain(`hostile-names > ${shown}`)
    }
  })

  test('tasks with hostile ids run and pass; only the one with a wrong expect fails, its replay command escaped', () => {
    const byName = new Map(run.results.map((result) => [result.name, result]))
    const names = byName.get(path.join(hostileDir, 'hostile-names.scenario.yaml'))
    expect(names, context()).toBeDefined()
    const statuses = names!.assertionResults.map((result) => result.status)
    expect(statuses.filter((status) => status === 'passed')).toHaveLength(12)
    expect(statuses.filter((status) => status === 'failed')).toHaveLength(1)
    expect(names!.message + run.output).toContain('for task "hostile-names > wrong expect \\x1b[31m$(touch PWNED)" under B2')
    expect(run.output).toMatch(/AWRR_SEED=\d+ npx vitest run bad-scenarios-run\/hostile\/hostile-names\.scenario\.yaml --project B2 -t '/)
    const markup = byName.get(path.join(hostileGeneratedDir, `${markupFileStem}.scenario.yaml`))
    expect(markup?.status, context()).toBe('passed')
  })

  test('a failed expect next to raw control characters gets an escaped code frame', () => {
    expect(run.output).toContain('6| # a comment with a screen clear \\x1b[2J and a bidi override \\u202e here')
    expect(run.output).toMatch(/8\|   B2: failed\n \|   \^/)
  })

  test('a scenario file whose path holds control characters is not run, and the run fails naming it escaped', () => {
    expect(run.results.some((result) => result.name.includes('clear'))).toBe(false)
    expect(run.output).toContain('[awrr] Scenario file "bad-scenarios-run/hostile-generated/clear\\x1b[2J bidi\\u202eX.scenario.yaml" was not run')
  })

  test('report.md puts no tag, link or heading from a name into the page, and escapes control characters', () => {
    const text = outputFile('report.md')
    const html = markdown.render(text)
    expect(text).toContain('\\<img src=x onerror=alert(1)\\> \\[x\\](javascript:alert(1)) \\|=HYPERLINK(1)')
    expect(text.split('\n').filter((line) => hasControlCharacters(line))).toEqual([])
    expect(html).not.toMatch(/<img|<a |<[^>]*\bon[a-z]+=/i)
    expect([...html.matchAll(/<h\d>(.*?)<\/h\d>/g)].map((match) => match[1]).filter((heading) => /Heading|img|click/.test(heading!))).toEqual([])
  })

  test("Vitest's JUnit file names the hostile tasks escaped, and holds no raw control character", () => {
    const junit = outputFile('junit.xml')
    expect(junit).toContain('clear\\x1b[2J\\x1b[H')
    expect(junit).toContain('wrong expect \\x1b[31m$(touch PWNED)')
    expect(junit.split('\n').filter((line) => hasControlCharacters(line.replace(/\r$/, '')))).toEqual([])
  })

  test('report.csv and report.html hold no raw control character and no formula cell', () => {
    const csv = outputFile('report.csv')
    expect(csv.split('\r\n').filter((line) => hasControlCharacters(line))).toEqual([])
    expect(csv.split('\r\n').flatMap((line) => line.split(',')).filter((cell) => /^[=+@]/.test(cell))).toEqual([])
    const html = outputFile('report.html')
    expect(html.split('\n').filter((line) => hasControlCharacters(line))).toEqual([])
    expect(html).not.toContain('<img')
  })
})
