import { describe, expect, it } from 'vitest'
import { traceFileName } from './trace-name.ts'

describe('traceFileName', () => {
  it('is one flat name per scenario file', () => {
    expect(traceFileName('scenarios/checkout.scenario.yaml')).toBe('scenarios%2Fcheckout.jsonl')
    expect(traceFileName('flaky.scenario.yaml')).toBe('flaky.jsonl')
    expect(traceFileName('a/b/c.scenario.yaml')).not.toContain('/')
  })

  it('keeps apart files whose names used to meet', () => {
    const files = [
      'zc/a__b.scenario.yaml',
      'zc/a/b.scenario.yaml',
      'zc__a/b.scenario.yaml',
      'zc/a%2Fb.scenario.yaml',
      'zc/a.scenario.yaml',
      'zc/a.scenario.yml',
      'zc/a%2Eyml.scenario.yaml',
      'zc/a.yml.scenario.yaml',
    ]
    const names = files.map(traceFileName)
    expect(new Set(names).size).toBe(files.length)
  })

  it('fits a file system name limit (255 bytes) and stays unique when a path is longer', () => {
    const long = (tail: string) => `${'deep/'.repeat(40)}${'x'.repeat(120)}${tail}.scenario.yaml`
    const first = traceFileName(long('1'))
    const second = traceFileName(long('2'))
    for (const name of [first, second, traceFileName(`${'订'.repeat(120)}.scenario.yaml`)]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255)
      expect(name.endsWith('.jsonl')).toBe(true)
    }
    expect(first).not.toBe(second)
  })
})
