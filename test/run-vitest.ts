import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')

export interface VitestRun {
  code: number | null
  stdout: string
  stderr: string
  output: string
}

export function fixturePath(name: string, ...rest: string[]): string {
  return path.join(repoRoot, 'fixtures', name, ...rest)
}

// Colour codes and inherited AWRR or Vitest worker variables would make the output depend on the
// machine and on the Vitest run that spawns the fixture. FORCE_COLOR is removed, not emptied: an
// empty FORCE_COLOR still forces colour (chalk, Node and the AWRR reporter all read it that way).
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    // A CI job's own gates, baseline switch or step summary must not leak into fixture runs.
    if (key === 'FORCE_COLOR' || key === 'GITHUB_STEP_SUMMARY' || key.startsWith('AWRR_') || key.startsWith('VITEST')) continue
    inherited[key] = value
  }
  return { ...inherited, NO_COLOR: '1', CI: 'true', ...env }
}

function collect(child: ChildProcess): Promise<VitestRun> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }))
  })
}

/** Runs Vitest on a fixture project in a child process, the way a user runs it. */
export function runVitest(fixture: string, args: string[] = [], env: Record<string, string> = {}): Promise<VitestRun> {
  return collect(
    spawn(process.execPath, [vitestBin, 'run', ...args], { cwd: fixturePath(fixture), env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }),
  )
}

/**
 * Runs a command line exactly as printed (e.g. a replay command, `AWRR_SEED=7 npx vitest run ...`)
 * through the shell, in the fixture's folder.
 */
export function runShellCommand(fixture: string, command: string, env: Record<string, string> = {}): Promise<VitestRun> {
  return collect(spawn('/bin/sh', ['-c', command], { cwd: fixturePath(fixture), env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }))
}

export function readReport(fixture: string, dir = '.awrr'): any {
  return JSON.parse(readFileSync(fixturePath(fixture, dir, 'report.json'), 'utf8'))
}

export function cleanOutput(fixture: string, dir = '.awrr'): void {
  rmSync(fixturePath(fixture, dir), { recursive: true, force: true })
}
