import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'attempt-deadline.fixture.ts')

interface TaskLine {
  strategy: string
  outcome: string
  reason: string
  calls: string[]
  wallMs: number
}

/** Runs the fixture in its own Node process with `--expose-gc`; kills it after `limitMs`. */
function runFixture(attemptTimeoutMs: number, limitMs: number): Promise<{ lines: TaskLine[]; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fixture, String(attemptTimeoutMs)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let killed = false
    const limit = setTimeout(() => {
      killed = true
      proc.kill('SIGKILL')
    }, limitMs)
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    proc.on('error', reject)
    proc.on('close', () => {
      clearTimeout(limit)
      resolve({ lines: stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as TaskLine), killed, stderr })
    })
  })
}

test('a real tool that accepts and never answers ends every attempt at attemptTimeoutMs, even under forced GC', async () => {
  const attemptTimeoutMs = 300
  const { lines, killed, stderr } = await runFixture(attemptTimeoutMs, 40_000)
  expect(killed, `the fixture hung; it printed ${JSON.stringify(lines)}\n${stderr}`).toBe(false)
  expect(lines.map((line) => line.strategy)).toEqual(['B0', 'B1', 'B2'])
  for (const line of lines) {
    expect(line.calls.length).toBeGreaterThan(0)
    expect(line.calls.every((result) => result === 'timeout'), JSON.stringify(line)).toBe(true)
    // Each attempt waits its deadline and not much more (start-up of the first fetch included).
    expect(line.wallMs, JSON.stringify(line)).toBeLessThan(line.calls.length * (attemptTimeoutMs + 1_500))
  }
  expect(lines[0]!.calls).toHaveLength(1)
  expect(lines[1]!.calls.length).toBeGreaterThan(1)
}, 60_000)
