import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test, vi } from 'vitest'
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

  test('a file that cannot be written is an error of close(), naming the file, never a silent loss', async () => {
    const file = new TraceFile(path.join(dir, 'traces', 'B2', `${'x'.repeat(300)}.jsonl`))
    file.write('{"type":"task:start"}\n')
    await expect(file.close()).rejects.toThrow(/\[awrr\] Could not write the trace file .*xxxx.*ENAMETOOLONG/)
  })

  test('a write after the error has happened throws it at once', async () => {
    const file = new TraceFile(path.join(dir, 'traces', 'B2', `${'y'.repeat(300)}.jsonl`))
    file.write('{"type":"task:start"}\n')
    // The open fails asynchronously; under load that can take longer than any fixed pause.
    await vi.waitFor(() => expect(() => file.write('{"type":"task:final"}\n')).toThrow(/ENAMETOOLONG/), { timeout: 10_000, interval: 10 })
    await expect(file.close()).rejects.toThrow(/ENAMETOOLONG/)
  })
})
