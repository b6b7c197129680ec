import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { agents, agentScenarios, expectStackRun, logCounts, readRun, type StackRun, withoutTiming } from './own-stack-assertions.ts'
import { copyExample, installPackedProject, mustRun, readJson, type PackedProject } from './packed-project.ts'

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

interface Setup {
  name: string
  /** msw for the user's project, and vitest. */
  packages: string[]
  /** Node from the registry, by major version; this process's Node when absent. */
  node?: number
  vitestMajor: string
  nodeMajor: RegExp
}

const setups: Setup[] = [
  {
    name: `vitest 4.1 on this Node (${process.versions.node.split('.')[0]}), the user's msw 2`,
    packages: ['vitest@~4.1', `msw@${repoPackage.dependencies['msw']}`],
    vitestMajor: '4',
    nodeMajor: new RegExp(`^v${process.versions.node.split('.')[0]}\\.`),
  },
  {
    name: 'vitest 5 on Node 22 from the registry, the user\'s msw 3',
    packages: ['vitest@5', 'msw@3'],
    node: 22,
    vitestMajor: '5',
    nodeMajor: /^v22\./,
  },
]

describe.each(setups)('examples/own-stack, $name', (setup) => {
  let installed: PackedProject | undefined
  let project: string
  let exampleDir: string
  let node: string
  let options: PackedProject['options']
  let withMsw: StackRun
  let withoutMsw: StackRun

  const vitest = (args: string[], env: Record<string, string> = {}) => {
    rmSync(path.join(exampleDir, '.awrr'), { recursive: true, force: true })
    return installed!.vitest(exampleDir, args, env)
  }
  const keep = (label: string) => {
    const copy = path.join(exampleDir, `run-${label}`)
    cpSync(path.join(exampleDir, '.awrr'), copy, { recursive: true })
    return copy
  }

  afterAll(() => installed?.remove())

  beforeAll(async () => {
    installed = await installPackedProject({ name: 'own-stack', packages: [...setup.packages, ...clientPackages], ...(setup.node === undefined ? {} : { node: setup.node }) })
    ;({ node, options, project } = installed)
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
    const results = readJson(path.join(exampleDir, 'vitest-results.json')) as {
      numTotalTests: number
      numPassedTests: number
      numPendingTests: number
      testResults: { name: string; status: string; assertionResults: { fullName: string; status: string }[] }[]
    }
    // Every test ran and passed, none skipped (issue 12 item 6: agents see only the scenarios with an
    // input, strategies only the workflow): 15 scenarios x 2 agents, 1 workflow x 2 strategies, 1 own test.
    expect([results.numTotalTests, results.numPassedTests, results.numPendingTests]).toEqual([agentScenarios.length * agents.length + 2 + 1, agentScenarios.length * agents.length + 2 + 1, 0])
    const own = results.testResults.filter((file) => file.name.endsWith('test/weather-summary.test.ts'))
    expect(own.map((file) => [file.status, file.assertionResults.map((assertion) => [assertion.fullName, assertion.status])])).toEqual([
      ['passed', [['weatherSummary reads the forecast from the weather service', 'passed']]],
    ])
    expect(withMsw.command.output).toMatch(/\btests\W+test\/weather-summary\.test\.ts \(1 test\)/)
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
