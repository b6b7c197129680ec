import { describe, expect, it } from 'vitest'
import type { Observation } from './recovery-strategy.ts'
import { classifyByRules, retryAfterMs, type RuleVerdict } from './rule-table.ts'
import { observation } from './test-fixtures.ts'

const cases: [string, Partial<Observation>, RuleVerdict][] = [
  ['timeout', { result: 'timeout', status: null }, { layer: 'transient', action: 'retry', reason: 'timeout' }],
  ['connection reset', { result: 'network', status: null }, { layer: 'transient', action: 'retry', reason: 'network' }],
  ['409', { status: 409 }, { layer: 'cascade', action: 'rollback', reason: 'conflict' }],
  ['conflict code on another status', { status: 422, errorCode: 'conflict' }, { layer: 'cascade', action: 'rollback', reason: 'conflict' }],
  ['401', { status: 401 }, { layer: 'persistent', action: 'escalate', reason: 'auth_denied' }],
  ['403', { status: 403 }, { layer: 'semantic', action: 'escalate', reason: 'policy_rejected' }],
  ['policy code on a 200', { result: 'contract', status: 200, errorCode: 'policy_rejected' }, { layer: 'semantic', action: 'escalate', reason: 'policy_rejected' }],
  ['408', { status: 408 }, { layer: 'transient', action: 'retry', reason: 'http_408' }],
  ['429', { status: 429 }, { layer: 'transient', action: 'retry', reason: 'http_429' }],
  ['500', { status: 500 }, { layer: 'transient', action: 'retry', reason: 'http_500' }],
  ['502', { status: 502 }, { layer: 'transient', action: 'retry', reason: 'http_502' }],
  ['503', { status: 503 }, { layer: 'transient', action: 'retry', reason: 'http_503' }],
  ['504', { status: 504 }, { layer: 'transient', action: 'retry', reason: 'http_504' }],
  ['broken contract', { result: 'contract', status: 200 }, { layer: 'semantic', action: 'escalate', reason: 'contract_violation' }],
  ['404', { status: 404 }, { layer: 'persistent', action: 'escalate', reason: 'not_found' }],
  ['400', { status: 400 }, { layer: 'semantic', action: 'escalate', reason: 'bad_request' }],
  ['418', { status: 418 }, { layer: 'persistent', action: 'escalate', reason: 'http_418' }],
  ['no status, no known result', { result: 'http_error', status: null }, { layer: 'persistent', action: 'escalate', reason: 'no_answer' }],
]

describe('classifyByRules', () => {
  it.each(cases)('%s', (_name, fields, verdict) => {
    expect(classifyByRules(observation(fields))).toEqual(verdict)
  })
})

describe('retryAfterMs', () => {
  it('reads Retry-After in seconds', () => {
    expect(retryAfterMs(observation({ headers: { 'retry-after': '2' } }))).toBe(2_000)
    expect(retryAfterMs(observation({ headers: { 'retry-after': '0.5' } }))).toBe(500)
    expect(retryAfterMs(observation({ headers: { 'retry-after': '0' } }))).toBe(0)
  })

  it('ignores a missing, negative or non-numeric value', () => {
    expect(retryAfterMs(observation())).toBeUndefined()
    expect(retryAfterMs(observation({ headers: { 'retry-after': '-1' } }))).toBeUndefined()
    expect(retryAfterMs(observation({ headers: { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' } }))).toBeUndefined()
  })
})
