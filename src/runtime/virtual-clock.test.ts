import { describe, expect, it } from 'vitest'
import { createVirtualClock } from './virtual-clock.ts'

describe('createVirtualClock', () => {
  it('starts where it is told and moves only when advanced', () => {
    const clock = createVirtualClock(250)
    expect(clock.now()).toBe(250)
    expect(clock.advance(0)).toBe(250)
    expect(clock.advance(40)).toBe(290)
    expect(clock.now()).toBe(290)
  })

  it('rejects negative, NaN and infinite moves', () => {
    const clock = createVirtualClock()
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError)
    expect(() => clock.advance(Number.POSITIVE_INFINITY)).toThrow(RangeError)
    expect(clock.now()).toBe(0)
  })

  it('fires due timers in time order, ties in the order they were set, each at its own time', () => {
    const clock = createVirtualClock()
    const fired: string[] = []
    clock.setTimer(30, () => fired.push(`c@${clock.now()}`))
    clock.setTimer(10, () => fired.push(`a@${clock.now()}`))
    clock.setTimer(20, () => fired.push(`b1@${clock.now()}`))
    clock.setTimer(20, () => fired.push(`b2@${clock.now()}`))
    clock.setTimer(31, () => fired.push('late'))
    expect(clock.advance(30)).toBe(30)
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30'])
    clock.advance(1)
    expect(fired.at(-1)).toBe('late')
  })

  it('fires a timer set by a firing timer when it falls within the same move', () => {
    const clock = createVirtualClock()
    const fired: number[] = []
    clock.setTimer(10, () => {
      fired.push(clock.now())
      clock.setTimer(5, () => fired.push(clock.now()))
      clock.setTimer(50, () => fired.push(clock.now()))
    })
    clock.advance(20)
    expect(fired).toEqual([10, 15])
    expect(clock.now()).toBe(20)
  })

  it('never fires a cancelled timer, and cancelling twice or after firing is harmless', () => {
    const clock = createVirtualClock()
    const fired: string[] = []
    const cancelA = clock.setTimer(10, () => fired.push('a'))
    const cancelB = clock.setTimer(10, () => fired.push('b'))
    cancelA()
    cancelA()
    clock.advance(10)
    cancelB()
    clock.advance(100)
    expect(fired).toEqual(['b'])
  })

  it('with `until`, stops right after the timer that makes it true', () => {
    const clock = createVirtualClock()
    const controller = new AbortController()
    const fired: string[] = []
    clock.setTimer(100, () => fired.push('before'))
    clock.setTimer(300, () => controller.abort())
    clock.setTimer(300, () => fired.push('same tick, after the abort'))
    const stoppedAt = clock.advance(5_000, () => controller.signal.aborted)
    expect(stoppedAt).toBe(300)
    expect(clock.now()).toBe(300)
    expect(fired).toEqual(['before'])
    // The rest is still pending and fires on the next move.
    clock.advance(0)
    expect(fired).toEqual(['before', 'same tick, after the abort'])
  })

  it('with `until` that never turns true, moves the whole way', () => {
    const clock = createVirtualClock()
    clock.setTimer(10, () => undefined)
    expect(clock.advance(500, () => false)).toBe(500)
  })

  it('sleep advances the clock and resolves without waiting on the wall clock', async () => {
    const clock = createVirtualClock()
    const fired: number[] = []
    clock.setTimer(60_000, () => fired.push(clock.now()))
    await clock.sleep(3_600_000)
    expect(clock.now()).toBe(3_600_000)
    expect(fired).toEqual([60_000])
  })

  it('sleep is cut short by a deadline timer that aborts its signal', async () => {
    const clock = createVirtualClock()
    const controller = new AbortController()
    clock.setTimer(5_000, () => controller.abort())
    await clock.sleep(30_000, controller.signal)
    expect(clock.now()).toBe(5_000)
  })

  it('sleep with an already aborted signal does not move time or fire timers', async () => {
    const clock = createVirtualClock(7)
    const fired: number[] = []
    clock.setTimer(1, () => fired.push(clock.now()))
    await clock.sleep(1_000, AbortSignal.abort())
    expect(clock.now()).toBe(7)
    expect(fired).toEqual([])
  })
})
