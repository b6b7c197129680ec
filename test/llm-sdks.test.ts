import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { expectLlmSdksRun, llmSdkPackages } from './llm-sdks-assertions.ts'
import { copyExample, installPackedProject, runCommand, type PackedProject } from './packed-project.ts'

// The four client libraries people write agents with (the openai SDK, the Anthropic SDK, the
// Vercel AI SDK, LangChain.js), installed from the registry beside the packed tarball and vitest 4
// on this Node, against scripted model endpoints with model faults. The same example runs under
// vitest 5 and Node 22 in vitest5-node22.test.ts.

const installTimeout = 600_000
let installed: PackedProject | undefined
let npmCache: string
let project: string

beforeAll(async () => {
  installed = await installPackedProject({ name: 'llm-sdks', packages: ['vitest@~4.1', ...llmSdkPackages()] })
  ;({ npmCache, project } = installed)
}, installTimeout)

afterAll(() => installed?.remove())

test('openai, @anthropic-ai/sdk, ai + @ai-sdk/openai and @langchain/openai agents recover from model faults, streaming and not', async () => {
  const dir = path.join(project, 'llm-sdks')
  copyExample('llm-sdks', dir)
  const run = await runCommand('npx', ['vitest', 'run'], { cwd: dir, npmCache })
  expect(run.code, run.output).toBe(0)
  expectLlmSdksRun(dir, run.output)
}, installTimeout)
