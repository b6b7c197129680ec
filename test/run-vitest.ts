import { spawn } from 'node:child_process'
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

/** Runs Vitest on a fixture project in a child process, the way a user runs it. */
export function runVitest(fixture: string, args: string[] = [], env: Record<string, string> = {}): Promise<VitestRun> {
  const cwd = fixturePath(fixture)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitestBin, 'run', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', CI: 'true', AWRR_SEED: '', VITEST_POOL_ID: '', VITEST_WORKER_ID: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }))
  })
}

export function readReport(fixture: string, dir = '.awrr'): any {
  return JSON.parse(readFileSync(fixturePath(fixture, dir, 'report.json'), 'utf8'))
}

export function cleanOutput(fixture: string, dir = '.awrr'): void {
  rmSync(fixturePath(fixture, dir), { recursive: true, force: true })
}
