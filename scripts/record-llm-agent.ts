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
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { copyExample, createEmptyProject, mustRun, packRepository, readJson } from '../test/packed-project.ts'
import { repoRoot } from '../test/run-vitest.ts'

const workDir = mkdtempSync(path.join(tmpdir(), 'awrr-record-llm-agent-'))
try {
  const npmCache = path.join(workDir, 'npm-cache')
  const project = path.join(workDir, 'my-project')
  const tarball = await packRepository(workDir, npmCache)
  createEmptyProject(project)
  const dev = readJson(path.join(repoRoot, 'package.json')).devDependencies as Record<string, string>
  await mustRun('npm', ['install', '--save-dev', tarball.file, 'vitest@~4.1', `openai@${dev['openai']}`], { cwd: project, npmCache })
  const dir = path.join(project, 'llm-agent')
  copyExample('llm-agent', dir)
  const scenarios = path.join(dir, 'scenarios')
  for (const file of readdirSync(scenarios)) if (file.endsWith('.cassette.json')) rmSync(path.join(scenarios, file))
  const passOn = Object.fromEntries(['LLM_AGENT_BASE_URL', 'OPENAI_API_KEY'].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])))
  // The example's own expectations hold while recording too: a failing run records nothing useful.
  const run = await mustRun('npx', ['vitest', 'run'], { cwd: dir, npmCache, env: { ...passOn, AWRR_RECORD: '1' } })
  process.stdout.write(run.stdout)
  const target = path.join(repoRoot, 'examples', 'llm-agent', 'scenarios')
  for (const file of readdirSync(scenarios)) {
    if (!file.endsWith('.cassette.json')) continue
    copyFileSync(path.join(scenarios, file), path.join(target, file))
    console.log(`recorded examples/llm-agent/scenarios/${file}`)
  }
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
