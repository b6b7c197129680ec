import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildJsonReport, serializeJsonReport } from '../../reporters/json-report.ts'
import { makeRun } from '../../reporters/test-fixtures.ts'
import { main } from '../main.ts'

function capture() {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  return { io: { stdout, stderr }, out: () => out, err: () => err }
}

describe('awrr compare', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'awrr-compare-'))
    const base = buildJsonReport({ seed: 42, strategies: ['B0', 'B2'], summaries: makeRun({ strategies: ['B0', 'B2'] }) })
    const head = structuredClone(base)
    head.strategies['B0']!.metrics.uar = 0.5
    await writeFile(join(dir, 'base.json'), serializeJsonReport(base))
    await writeFile(join(dir, 'head.json'), serializeJsonReport(head))
    await writeFile(join(dir, 'broken.json'), '{"version": 2}')
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('prints the Markdown difference', async () => {
    const { io, out } = capture()
    expect(await main(['compare', join(dir, 'base.json'), join(dir, 'head.json')], io)).toBe(0)
    expect(out()).toMatch(/\| B0 \| UAR \| 0\.\d{3} \| 0\.500 \| \+0\.\d{3} \| 🔴 worse \|/)
  })

  it('explains its usage and rejects what it cannot read', async () => {
    const missing = capture()
    expect(await main(['compare', join(dir, 'base.json')], missing.io)).toBe(2)
    expect(missing.err()).toContain('compare needs two report files (got 1)')
    const broken = capture()
    expect(await main(['compare', join(dir, 'base.json'), join(dir, 'broken.json')], broken.io)).toBe(1)
    expect(broken.err()).toMatch(/broken\.json is not an AWRR report of version 1 \(got version 2\)/)
    const help = capture()
    expect(await main(['compare', '--help'], help.io)).toBe(0)
    expect(help.out()).toMatch(/^Usage: awrr compare base\.json head\.json \[--all\]/)
  })
})
