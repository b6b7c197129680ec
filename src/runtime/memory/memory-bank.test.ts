import { describe, expect, test } from 'vitest'
import { observation } from '../strategies/test-fixtures.ts'
import { createMemoryBank, errorKeywords, mergePrefixes, signatureOf, similarity, entryOf, type MemoryUpdate } from './memory-bank.ts'

const conflict = (record: string, hash: string) =>
  signatureOf(
    observation({
      tool: 'update_record',
      stepName: 'update_record',
      status: 409,
      errorCode: 'conflict',
      body: { ok: false, error: { code: 'conflict', message: `record ${record} was modified concurrently` } },
      worldHash: hash,
      lastGoodWorldHash: hash,
    }),
  )

const update = (signature = conflict('REC1', 'aaaa1111'), success = true, action: MemoryUpdate['action'] = 'rollback'): MemoryUpdate => ({
  signature,
  action,
  layer: 'cascade',
  success,
})

describe('fault signatures', () => {
  test('keep what recurs: tool, error type, step, error words, world change; drop ids and amounts', () => {
    expect(conflict('REC1', 'aaaa1111')).toEqual({
      tool: 'update_record',
      errorType: 'http_409',
      stepName: 'update_record',
      keywords: ['concurrently', 'conflict', 'modified', 'record'],
      worldChanged: false,
      worldHashPrefix: 'aaaa',
    })
    expect(conflict('REC77', 'bbbb2222').keywords).toEqual(conflict('REC1', 'aaaa1111').keywords)
  })

  test('name the error type by what was seen when there is no status', () => {
    expect(signatureOf(observation({ result: 'timeout', status: null, worldHash: null })).errorType).toBe('timeout')
    expect(signatureOf(observation({ result: 'contract', status: 200 })).errorType).toBe('contract')
    expect(signatureOf(observation({ status: 500, worldHash: 'cccc', lastGoodWorldHash: 'dddd' })).worldChanged).toBe(true)
  })

  test('keywords: most frequent first, at most five, stop words out', () => {
    const body = { error: { message: 'the payment payment gateway gateway gateway timed out after 30s for order 12 zeta alpha' } }
    expect(errorKeywords('upstream_error', body)).toEqual(['gateway', 'payment', 'after', 'alpha', 'order'])
  })
})

describe('createMemoryBank', () => {
  test('recalls with confidence 0.7 x similarity + 0.3 x success rate', () => {
    const bank = createMemoryBank()
    bank.learn(update(conflict('REC1', 'aaaa1111'), true))
    bank.learn(update(conflict('REC2', 'bbbb2222'), false))
    const recalled = bank.recall(conflict('REC3', 'cccc3333'))!
    // Same tool, error, step, words and world change; a world-hash prefix never seen: 0.9.
    expect(recalled.similarity).toBe(0.9)
    expect(recalled.successRate).toBe(0.5)
    expect(recalled.confidence).toBe(0.78)
    expect(recalled.entry).toMatchObject({ action: 'rollback', uses: 2, successes: 1, worldHashPrefixes: ['aaaa', 'bbbb'] })
    // The very same world state seen before adds the prefix share.
    expect(bank.recall(conflict('REC3', 'aaaa9999'))!.similarity).toBe(1)
  })

  test('looks only into the bucket of the same tool and error type', () => {
    const bank = createMemoryBank()
    bank.learn(update())
    const otherTool = { ...conflict('REC1', 'aaaa1111'), tool: 'commit' }
    const otherError = { ...conflict('REC1', 'aaaa1111'), errorType: 'http_500' }
    expect(bank.recall(otherTool)).toBeUndefined()
    expect(bank.recall(otherError)).toBeUndefined()
  })

  test('the most confident entry of a bucket wins', () => {
    const bank = createMemoryBank()
    bank.learn(update(conflict('REC1', 'aaaa1111'), false, 'escalate'))
    bank.learn(update(conflict('REC1', 'aaaa1111'), true, 'rollback'))
    expect(bank.recall(conflict('REC2', 'ffff0000'))!.entry.action).toBe('rollback')
    expect(bank.size).toBe(2)
  })

  test('starts from given entries (copied, not shared) and lists them in a stable order', () => {
    const initial = [entryOf(update(conflict('REC1', 'aaaa1111'), true)), { ...entryOf(update()), uses: 0, successes: 0 }]
    const bank = createMemoryBank(initial)
    bank.learn(update(conflict('REC2', 'bbbb1111'), true))
    expect(initial[0]!.uses).toBe(1)
    expect(bank.entries()).toHaveLength(1)
    expect(bank.entries()[0]).toMatchObject({ uses: 2, successes: 2 })
  })

  test('similarity scores words by overlap', () => {
    const entry = entryOf(update())
    const fewerWords = { ...conflict('REC1', 'aaaa1111'), keywords: ['conflict', 'modified'] }
    expect(similarity(fewerWords, entry)).toBeCloseTo(1 - 0.2 * (1 - 2 / 4), 9)
  })

  test('world-hash prefixes merge to the same list in any order', () => {
    const lists = [['b', 'a'], ['d'], ['c', 'a']]
    const forward = lists.reduce((all, list) => mergePrefixes(all, list, 3), [] as string[])
    const backward = [...lists].reverse().reduce((all, list) => mergePrefixes(all, list, 3), [] as string[])
    expect(forward).toEqual(['a', 'b', 'c'])
    expect(backward).toEqual(forward)
  })
})
