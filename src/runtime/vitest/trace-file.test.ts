import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { TraceFile } from './trace-file.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'awrr-trace-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('TraceFile', () => {
  test('once close() resolves, every line written is on disk, whole', async () => {
    const file = new TraceFile(path.join(dir, 'traces', 'B2', 'big.jsonl'))
    // Far more than a write stream buffers: a close that did not wait for the flush would be caught.
    const line = JSON.stringify({ type: 'tool:call', padding: 'x'.repeat(1_000) })
    const chunks = 2_000
    for (let index = 0; index < chunks; index++) file.write(`${line}\n`)
    await file.close()
    const text = readFileSync(file.absolutePath, 'utf8')
    expect(text.length).toBe((line.length + 1) * chunks)
    expect(text.endsWith('\n')).toBe(true)
    expect(text.trimEnd().split('\n').every((written) => written === line)).toBe(true)
  })

  test('a module that wrote nothing leaves no file, and closing it is immediate', async () => {
    const file = new TraceFile(path.join(dir, 'traces', 'B2', 'empty.jsonl'))
    await file.close()
    expect(existsSync(file.absolutePath)).toBe(false)
  })

  test('a file that cannot be written fails the write, naming the file, and close() says so again', async () => {
    const file = new TraceFile(path.join(dir, 'traces', 'B2', `${'x'.repeat(300)}.jsonl`))
    expect(() => file.write('{"type":"task:start"}\n')).toThrow(/\[awrr\] Could not write the trace file .*xxxx.*ENAMETOOLONG/)
    expect(() => file.write('{"type":"task:final"}\n')).toThrow(/ENAMETOOLONG/)
    await expect(file.close()).rejects.toThrow(/ENAMETOOLONG/)
  })

  test('each write is on disk when it returns (a worker killed after a task keeps that task\'s lines)', () => {
    const file = new TraceFile(path.join(dir, 'traces', 'B2', 'sync.jsonl'))
    file.write('{"type":"task:start"}\n')
    expect(readFileSync(file.absolutePath, 'utf8')).toBe('{"type":"task:start"}\n')
  })
})
