import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { MemoryUpdate } from './memory-bank.ts'
import {
  isMemoryFileError,
  memoryFileSchema,
  memoryStoreFor,
  memoryViewForRun,
  mergeIntoMemoryFile,
  mergeUpdates,
  persistentMemory,
  readMemoryFile,
  writeFileAtomically,
} from './memory-file.ts'

const fixture = fileURLToPath(new URL('./memory-file.fixture.ts', import.meta.url))

const updateFor = (tool: string, success = true): MemoryUpdate => ({
  signature: { tool, errorType: 'http_409', stepName: tool, keywords: ['conflict'], worldChanged: false, worldHashPrefix: 'ab12' },
  action: 'rollback',
  layer: 'cascade',
  success,
})

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'awrr-memory-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Runs the fixture in its own Node process (tsx loads the TypeScript). */
function child(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    proc.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) onLine?.(line, () => proc.kill('SIGKILL'))
    })
    proc.on('error', reject)
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }))
  })
}

describe('run views and merges', () => {
  test('a run starts from what earlier runs left, never from its own updates', () => {
    const afterRun1 = mergeUpdates([], 'run-1', [updateFor('a'), updateFor('a', false)])
    expect(memoryViewForRun(afterRun1, 'run-1')).toEqual([])
    expect(memoryViewForRun(afterRun1, 'run-2')).toMatchObject([{ tool: 'a', uses: 2, successes: 1 }])

    const duringRun2 = mergeUpdates(afterRun1, 'run-2', [updateFor('a')])
    // Another worker of run 2 still sees exactly what run 1 left: no dependence on interleaving.
    expect(memoryViewForRun(duringRun2, 'run-2')).toEqual(memoryViewForRun(afterRun1, 'run-2'))
    expect(memoryViewForRun(duringRun2, 'run-3')).toMatchObject([{ tool: 'a', uses: 3, successes: 2 }])
    expect(duringRun2[0]).toMatchObject({ uses: 2, successes: 1, pending: { run: 'run-2', uses: 1, successes: 1 } })
  })

  test('the merged file is the same whatever order the updates of a run arrive in', () => {
    const updates = [updateFor('a'), updateFor('b', false), updateFor('a', false), updateFor('c')]
    const base = mergeUpdates([], 'run-1', [updateFor('b')])
    const forward = updates.reduce((entries, update) => mergeUpdates(entries, 'run-2', [update]), base)
    const backward = [...updates].reverse().reduce((entries, update) => mergeUpdates(entries, 'run-2', [update]), base)
    expect(backward).toEqual(forward)
  })
})

describe('the memory file', () => {
  test('round-trips through persistentMemory', async () => {
    const file = path.join(dir, 'memory', 'B4.json')
    const run1 = persistentMemory({ file, run: 'run-1' })
    expect(run1.load()).toEqual([])
    await run1.save([updateFor('a'), updateFor('a')])
    expect(persistentMemory({ file, run: 'run-1' }).load()).toEqual([])
    expect(persistentMemory({ file, run: 'run-2' }).load()).toMatchObject([{ tool: 'a', uses: 2, successes: 2, worldHashPrefixes: ['ab12'] }])
    expect(memoryFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8'))).success).toBe(true)
  })

  test('memoryStoreFor follows the run configuration', () => {
    expect(memoryStoreFor({ root: dir, outputDirRelative: '.awrr' }, 'B4').kind).toBe('fresh')
    expect(memoryStoreFor({ root: dir, outputDirRelative: '.awrr', memory: { mode: 'persist', run: 'r' } }, 'B4').kind).toBe('persist')
  })

  test('a broken file is reported with what to do, not silently replaced', () => {
    const file = path.join(dir, 'B4.json')
    writeFileSync(file, '{"version": 1, "entries": [{"tool": 3}]}')
    let caught: unknown
    try {
      readMemoryFile(file)
    } catch (error) {
      caught = error
    }
    expect(isMemoryFileError(caught)).toBe(true)
    expect(String(caught)).toMatch(/entries\.0\.tool.*Delete it to start with an empty bank/)
  })

  test('a write that fails half-way leaves the old file and no temporary file', async () => {
    const file = path.join(dir, 'B4.json')
    writeFileSync(file, 'old')
    await expect(
      writeFileAtomically(file, 'new content', {
        midWrite: () => {
          throw new Error('disk gone')
        },
      }),
    ).rejects.toThrow('disk gone')
    expect(readFileSync(file, 'utf8')).toBe('old')
    expect(readdirSync(dir)).toEqual(['B4.json'])
  })

  test('concurrent processes lose no update', { timeout: 120_000 }, async () => {
    const file = path.join(dir, 'B4.json')
    const workers = 4
    const merges = 15
    const results = await Promise.all(
      Array.from({ length: workers }, (_, worker) => child(['merge', file, 'run-1', String(worker), String(merges)])),
    )
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 })
    const view = memoryViewForRun(readMemoryFile(file), 'run-2')
    const shared = view.find((entry) => entry.tool === 'shared_tool')
    // Every merge adds one use to the shared entry (successes on even merges) and one to its own.
    expect(shared).toMatchObject({ uses: workers * merges, successes: workers * Math.ceil(merges / 2) })
    for (let worker = 0; worker < workers; worker++) {
      expect(view.find((entry) => entry.tool === `tool_of_worker_${worker}`)).toMatchObject({ uses: merges, successes: merges })
    }
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  test.each(['midWrite', 'beforeRename'])('a process killed at %s leaves a valid file, and its lock is recovered', { timeout: 60_000 }, async (stage) => {
    const file = path.join(dir, 'B4.json')
    await mergeIntoMemoryFile(file, 'run-1', [updateFor('shared_tool')])
    const before = readFileSync(file, 'utf8')
    const killed = await child(['hang', file, 'run-1', stage], (line, kill) => {
      if (line === 'ready') kill()
    })
    expect(killed.signal).toBe('SIGKILL')
    // Killed while holding the lock, with a temporary file written (in part or in full).
    expect(existsSync(`${file}.lock`)).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(memoryFileSchema.safeParse(JSON.parse(before)).success).toBe(true)
    // The dead owner's lock does not block the next writer.
    await mergeIntoMemoryFile(file, 'run-1', [updateFor('shared_tool')], { lock: { timeoutMs: 10_000 } })
    expect(memoryViewForRun(readMemoryFile(file), 'run-2')).toMatchObject([{ tool: 'shared_tool', uses: 2 }])
  })
})
