import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { copyExample, installPackedProject, mustRun, readJson, type CommandOptions, type PackedProject } from './packed-project.ts'
import { expectRealTimersRun } from './real-timers-assertions.ts'
import { expectShopRun } from './shop-run-assertions.ts'
import { expectLlmSdksRun, llmSdkPackages } from './llm-sdks-assertions.ts'

// The peer range says `vitest ^4.1 || ^5`; vitest 5 needs Node 22. Node 22 comes from the npm
// registry as a package that ships the binary, and runs everything here: npm's install, and the
// example's scenarios under vitest 5.

const installTimeout = 600_000
let installed: PackedProject | undefined
let node22: string
let project: string
const withNode22 = (cwd: string): CommandOptions => installed!.options(cwd)

beforeAll(async () => {
  installed = await installPackedProject({ name: 'vitest5', packages: ['vitest@5', ...llmSdkPackages()], node: 22 })
  ;({ node: node22, project } = installed)
}, installTimeout)

afterAll(() => installed?.remove())

test('Node 22 from the registry and vitest 5 are what runs', async () => {
  const version = await mustRun(node22, ['--version'], withNode22(project))
  expect(version.stdout.trim()).toMatch(/^v22\./)
  expect(readJson(path.join(project, 'node_modules', 'vitest', 'package.json')).version).toMatch(/^5\./)
})

test('the shop example passes under vitest 5 on Node 22, faults and passthrough observable at the shop', async () => {
  const shopDir = path.join(project, 'shop')
  copyExample('shop', shopDir)
  const run = await installed!.vitest(shopDir)
  expect(run.code, run.output).toBe(0)
  expect(run.output).toMatch(/RUN\s+v5\./)
  expectShopRun(shopDir, run.output)
}, installTimeout)

test('the real-timers example passes under vitest 5 on Node 22', async () => {
  const exampleDir = path.join(project, 'real-timers')
  copyExample('real-timers', exampleDir)
  const run = await installed!.vitest(exampleDir)
  expect(run.code, run.output).toBe(0)
  expectRealTimersRun(exampleDir, run.output)
}, installTimeout)

test('the llm-sdks example (openai, anthropic, AI SDK, LangChain agents under model faults) passes under vitest 5 on Node 22', async () => {
  const exampleDir = path.join(project, 'llm-sdks')
  copyExample('llm-sdks', exampleDir)
  const run = await installed!.vitest(exampleDir)
  expect(run.code, run.output).toBe(0)
  expect(run.output).toMatch(/RUN\s+v5\./)
  expectLlmSdksRun(exampleDir, run.output)
}, installTimeout)
