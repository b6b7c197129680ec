import { describe, expect, it } from 'vitest'
import { idempotencyKey, type IdempotencyKeyParts } from './idempotency-key.ts'

const base: IdempotencyKeyParts = { seed: 42, strategy: 'B2', scenario: 'k', file: 'scenarios/k.scenario.yaml', task: 'a-main', operation: 'step-0' }

describe('idempotencyKey', () => {
  it('is a valid header value whatever the names hold', () => {
    for (const name of ['订单-中文', 'emoji-🚀', 'a\nb', 'tab\there', '\u0000', 'é']) {
      const key = idempotencyKey({ ...base, strategy: name, scenario: name, task: name })
      expect(key).toMatch(/^awrr-[0-9a-f]{40}$/)
      expect(() => new Headers({ 'idempotency-key': key })).not.toThrow()
    }
  })

  it('keeps the parts apart: names that join to the same text give different keys', () => {
    const first = idempotencyKey({ ...base, scenario: 'k', task: 'a-main' })
    const second = idempotencyKey({ ...base, scenario: 'k-a', task: 'main' })
    expect(first).not.toBe(second)
    expect(idempotencyKey({ ...base, task: 'main', operation: 'step-0' })).not.toBe(idempotencyKey({ ...base, task: 'main-step', operation: '0' }))
    expect(idempotencyKey({ ...base, file: 'a.scenario.yaml' })).not.toBe(idempotencyKey({ ...base, file: 'b.scenario.yaml' }))
  })

  it('is the same for the same operation (a retry reuses it) and differs per run when a run id is given', () => {
    expect(idempotencyKey(base)).toBe(idempotencyKey({ ...base }))
    expect(idempotencyKey({ ...base, run: 'r1' })).toBe(idempotencyKey({ ...base, run: 'r1' }))
    expect(idempotencyKey({ ...base, run: 'r1' })).not.toBe(idempotencyKey({ ...base, run: 'r2' }))
    expect(idempotencyKey({ ...base, run: 'r1' })).not.toBe(idempotencyKey(base))
  })
})
