import { describe, expect, it } from 'vitest'
import { actedOnBadData, judgeClient, type JudgedCall } from './client-verdicts.ts'

let next = 0
const call = (fields: Partial<JudgedCall>): JudgedCall => ({
  call: next++,
  target: 'POST http://tools.awrr.test/tools/process_payment',
  step: 2,
  purpose: 'step',
  at: 0,
  latencyMs: 10,
  status: 200,
  result: 'ok',
  sideEffect: true,
  idempotencyKey: 'key-1',
  ...fields,
})
const judge = (calls: JudgedCall[]) => judgeClient(calls, { attemptTimeoutMs: 5000 })
const failed429 = (at: number) => call({ at, status: 429, result: 'http_error', retryAfterMs: 2000 })

describe('judgeClient', () => {
  it('RAH: a retry after Retry-After honours it only when it waited at least that long', () => {
    next = 0
    const honoured = judge([failed429(0), call({ at: 10 + 2000 })])
    expect(honoured.retryAfter).toEqual({ eligible: 1, honoured: 1, calls: [] })
    next = 0
    const early = judge([failed429(0), call({ at: 10 + 100 })])
    expect(early.retryAfter).toEqual({ eligible: 1, honoured: 0, calls: [1] })
  })

  it('unsafe retries: a write repeated after an ambiguous failure without the same Idempotency-Key', () => {
    next = 0
    const sameKey = judge([call({ result: 'timeout', status: null, latencyMs: 5000 }), call({ at: 5100 })])
    expect(sameKey.unsafeRetries.count).toBe(0)
    next = 0
    const newKey = judge([call({ status: 503, result: 'http_error' }), call({ at: 200, idempotencyKey: 'key-2' })])
    expect(newKey.unsafeRetries).toEqual({ count: 1, calls: [1] })
    next = 0
    const noKey = judge([call({ result: 'network', status: null, idempotencyKey: undefined }), call({ at: 200, idempotencyKey: undefined })])
    expect(noKey.unsafeRetries.count).toBe(1)
    next = 0
    // A 409 is not ambiguous, and a read may be repeated at will.
    const conflict = judge([call({ status: 409, result: 'http_error', idempotencyKey: undefined }), call({ at: 200, idempotencyKey: undefined })])
    expect(conflict.unsafeRetries.count).toBe(0)
    next = 0
    const read = judge([call({ result: 'timeout', status: null, sideEffect: false, idempotencyKey: undefined }), call({ at: 6000, sideEffect: false, idempotencyKey: undefined })])
    expect(read.unsafeRetries.count).toBe(0)
  })

  it('duplicate side effects: every write the tool service applied a second time', () => {
    next = 0
    expect(judge([call({}), call({ at: 100 })]).duplicateSideEffects.count).toBe(0)
    next = 0
    expect(judge([call({ result: 'timeout', status: null }), call({ at: 6000, duplicate: true })]).duplicateSideEffects).toEqual({ count: 1, calls: [1] })
  })

  it('hot loops: a retry made without waiting after the failed answer', () => {
    next = 0
    expect(judge([call({ status: 500, result: 'http_error' }), call({ at: 10 + 50 })]).hotLoops.count).toBe(0)
    next = 0
    expect(judge([call({ status: 500, result: 'http_error' }), call({ at: 10 })]).hotLoops).toEqual({ count: 1, calls: [1] })
    next = 0
    // A call to another step right after an answer is not a retry.
    expect(judge([call({ status: 500, result: 'http_error' }), call({ at: 10, step: 3 })]).hotLoops.count).toBe(0)
  })

  it('ignored deadlines: a call left open until the attempt limit that the client did not end', () => {
    next = 0
    expect(judge([call({ result: 'timeout', status: null, latencyMs: 5000, clientAborted: true })]).ignoredDeadlines.count).toBe(0)
    next = 0
    expect(judge([call({ latencyMs: 4999 })]).ignoredDeadlines.count).toBe(0)
    next = 0
    expect(judge([call({ result: 'timeout', status: 504, latencyMs: 30_000 })]).ignoredDeadlines).toEqual({ count: 1, calls: [0] })
  })

  it('lists at most maxListed offending calls, and counts them all', () => {
    next = 0
    const calls = Array.from({ length: 30 }, (_, i) => call({ at: i * 10, status: 500, result: 'http_error' }))
    const verdicts = judgeClient(calls, { attemptTimeoutMs: 5000, maxListed: 3 })
    expect(verdicts.hotLoops.count).toBe(29)
    expect(verdicts.hotLoops.calls).toEqual([1, 2, 3])
  })
})

describe('actedOnBadData', () => {
  const calls = [
    { call: 0, purpose: 'step', sideEffect: false, result: 'ok', lie: 'PlausibleWrong' },
    { call: 1, purpose: 'step', sideEffect: true, result: 'ok' },
  ]
  it('counts a side-effecting step after an undetected lie', () => {
    expect(actedOnBadData(calls, new Set())).toEqual({ received: 1, detected: 0, acted: true })
  })
  it('does not count a lie the client detected, or one nothing acted on', () => {
    expect(actedOnBadData(calls, new Set([0]))).toEqual({ received: 1, detected: 1, acted: false })
    expect(actedOnBadData([calls[1]!, { ...calls[0]!, call: 2 }], new Set())).toEqual({ received: 1, detected: 0, acted: false })
    expect(actedOnBadData([calls[1]!], new Set())).toEqual({ received: 0, detected: 0, acted: false })
  })
})
