import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, test } from 'vitest'
import { fixturePath, repoRoot } from './run-vitest.ts'

/**
 * Secrets from the environment never reach what a run leaves behind. fixtures/secrets-run sends a
 * bearer token and a query-string key (both `${env...}` references the config allows with
 * `env: ['SECRET_SHOP_URL', 'AWRR_SHOP_*']`) to a real service on 127.0.0.1, with faults,
 * compensations and failing success checks (one with the token in its URL path, which the service
 * echoes), beside a bad file that names them and a file that reads variables the config does not
 * allow (a hidden key, HOME); the LLM key is set as well. Then every output is searched: the terminal, the JSON and JUnit reports,
 * and every file under `.awrr/` (report.json, .md, .csv, .html, traces, memory).
 */

const fixture = 'secrets-run'
// Distinctive values: found anywhere, they came from the environment.
const secrets = {
  AWRR_SHOP_TOKEN: 'tok-8f3a1c9e-awrr-secret-token',
  AWRR_SHOP_QUERY_KEY: 'qk-5d27b4e0-awrr-secret-key',
  AWRR_LLM_API_KEY: 'sk-awrr-llm-0c61f2a9d4b8e7',
  // Set, but not in the config's `env` list: a scenario that names it is refused.
  AWRR_HIDDEN_SECRET: 'hidden-3b9d71e0-never-allowed',
}
/** How a value could be written down besides as is. */
const writtenForms = (value: string) => [value, encodeURIComponent(value), Buffer.from(value).toString('base64'), Buffer.from(`Bearer ${value}`).toString('base64')]

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  output: string
}

function runFixture(): Promise<Run> {
  const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')
  const args = ['run', '--reporter=default', '--reporter=json', '--outputFile.json=.awrr/vitest.json', '--reporter=junit', '--outputFile.junit=.awrr/junit.xml']
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, ...args], {
      cwd: fixturePath(fixture),
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: 'true', AWRR_SEED: '', VITEST_POOL_ID: '', VITEST_WORKER_ID: '', SECRET_SHOP_URL: '', ...secrets },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 150_000,
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, output }))
  })
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
}

let run: Run
let outputs: { name: string; text: string }[]

beforeAll(async () => {
  rmSync(fixturePath(fixture, '.awrr'), { recursive: true, force: true })
  rmSync(fixturePath(fixture, '.awrr-secret-shop.json'), { force: true })
  run = await runFixture()
  outputs = [
    { name: 'terminal', text: run.output },
    ...filesUnder(fixturePath(fixture, '.awrr')).map((file) => ({ name: path.relative(repoRoot, file), text: readFileSync(file, 'latin1') })),
  ]
}, 170_000)

describe('secrets in the environment (fixtures/secrets-run)', () => {
  test('were used: the service saw the token and the key on every request', () => {
    expect(run.signal, run.output.slice(-3000)).toBeNull()
    // The bad file fails the run; the others ran.
    expect(run.code, run.output.slice(-3000)).toBe(1)
    const seen = JSON.parse(readFileSync(fixturePath(fixture, '.awrr-secret-shop.json'), 'utf8')) as Record<string, number>
    expect(seen['requests']).toBeGreaterThan(0)
    expect(seen).toEqual({ requests: seen['requests'], withToken: seen['requests'], withQueryKey: seen['requests'] })
  })

  test('reach no output: terminal, reports, traces, memory', () => {
    const names = outputs.map((output) => output.name)
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/report\.json$/), expect.stringMatching(/report\.html$/), expect.stringMatching(/junit\.xml$/)]))
    expect(names.filter((name) => name.endsWith('.jsonl')).length).toBeGreaterThanOrEqual(8)
    const leaks = outputs.flatMap(({ name, text }) =>
      Object.entries(secrets).flatMap(([variable, value]) => (writtenForms(value).some((form) => text.includes(form)) ? [`${variable} in ${name}`] : [])),
    )
    expect(leaks).toEqual([])
  })

  test('a file that reads variables the config does not allow is refused, naming them, never their values', () => {
    expect(run.output).toContain('reads-unlisted-variables.scenario.yaml:8:')
    expect(run.output).toContain("refers to ${env.AWRR_HIDDEN_SECRET}, which the config does not allow (add 'AWRR_HIDDEN_SECRET' to awrr({ env: [...] })")
    expect(run.output).toContain('refers to ${env.HOME}, which the config does not allow')
    expect(run.output).not.toContain(process.env['HOME']!.length >= 4 ? `x-home: ${process.env['HOME']}` : 'x-home: /')
  })

  test('the check with the token in its path ran, failed, and reached the report', () => {
    const report = JSON.parse(readFileSync(fixturePath(fixture, '.awrr', 'report.json'), 'utf8'))
    const tasks = report.strategies.B2.tasks as { scenario: string; outcome: string; reason: string }[]
    expect(tasks.find((task) => task.scenario === 'token-in-check-path')).toMatchObject({ outcome: 'failed', reason: 'success_oracle_rejected' })
  })

  test('a bad file that names them is reported with the references as written', () => {
    expect(run.output).toContain('typo-beside-token.scenario.yaml:8:')
    expect(run.output).toContain("Bearer ${env.AWRR_SHOP_TOKEN}")
  })
})
