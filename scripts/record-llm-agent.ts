/**
 * Records the cassettes of examples/llm-agent again, the way a user of the package records theirs:
 * packs AWRR, installs the tarball with vitest and openai into a fresh project in a temporary
 * folder, copies the example there and runs `AWRR_RECORD=1 npx vitest run` in it (its
 * global-setup.ts starts model-server.ts on a free port of 127.0.0.1), then copies the cassettes
 * back beside the scenarios. `npx tsx scripts/record-llm-agent.ts` from the repository root.
 *
 * Against the real API instead: `LLM_AGENT_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=sk-...`
 * in front (both reach the example's run; the key is scrubbed from the cassettes).
 */
import { copyFileSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { copyExample, installPackedProject, mustRun, readJson } from '../test/packed-project.ts'
import { repoRoot } from '../test/run-vitest.ts'

const dev = readJson(path.join(repoRoot, 'package.json')).devDependencies as Record<string, string>
const installed = await installPackedProject({ name: 'record-llm-agent', packages: ['vitest@~4.1', `openai@${dev['openai']}`] })
try {
  const dir = path.join(installed.project, 'llm-agent')
  copyExample('llm-agent', dir)
  const scenarios = path.join(dir, 'scenarios')
  for (const file of readdirSync(scenarios)) if (file.endsWith('.cassette.json')) rmSync(path.join(scenarios, file))
  const passOn = Object.fromEntries(['LLM_AGENT_BASE_URL', 'OPENAI_API_KEY'].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])))
  // The example's own expectations hold while recording too: a failing run records nothing useful.
  const run = await mustRun('npx', ['vitest', 'run'], installed.options(dir, { ...passOn, AWRR_RECORD: '1' }))
  process.stdout.write(run.stdout)
  const target = path.join(repoRoot, 'examples', 'llm-agent', 'scenarios')
  for (const file of readdirSync(scenarios)) {
    if (!file.endsWith('.cassette.json')) continue
    copyFileSync(path.join(scenarios, file), path.join(target, file))
    console.log(`recorded examples/llm-agent/scenarios/${file}`)
  }
} finally {
  installed.remove()
}
