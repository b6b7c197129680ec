import { describe, expect, it } from 'vitest'
import { collectTaskSummaries } from './collect.ts'
import { fakeTestModule, makeSummary } from './test-fixtures.ts'

describe('collectTaskSummaries', () => {
  it('reads task.meta.awrr in module and test order and skips tests without it', () => {
    const a = makeSummary({ id: 'A' })
    const b = makeSummary({ id: 'B' })
    const c = makeSummary({ id: 'C', strategy: 'B4' })
    const modules = [fakeTestModule([{ awrr: a }, {}, { awrr: b }]), fakeTestModule([]), fakeTestModule([{ awrr: c }])]
    expect(collectTaskSummaries(modules)).toEqual([a, b, c])
  })

  it('returns nothing for plain unit tests', () => {
    expect(collectTaskSummaries([fakeTestModule([{}, {}])])).toEqual([])
  })
})
