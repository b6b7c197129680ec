/**
 * A per-task clock that never sleeps. `advance` moves time forward and fires the timers that fall
 * due on the way, in order, so a per-attempt deadline aborts a slow call exactly as a real timer
 * would, but in microseconds of wall time and identically on every run.
 */
export interface VirtualClock {
  now(): number
  /**
   * Moves time forward by `ms`, firing due timers in order. With `until`, stops right after the
   * timer that makes it true (a deadline that aborted the call ends the wait).
   */
  advance(ms: number, until?: () => boolean): number
  /** `advance` for code written as `await clock.sleep(ms)`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Calls `fire` when time reaches now + ms; returns a cancel function. */
  setTimer(ms: number, fire: () => void): () => void
}

interface Timer {
  at: number
  seq: number
  fire: () => void
}

export function createVirtualClock(start = 0): VirtualClock {
  let current = start
  let seq = 0
  const timers: Timer[] = []

  const nextDue = (target: number): Timer | undefined => {
    let best: Timer | undefined
    for (const timer of timers) {
      if (timer.at > target) continue
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer
    }
    return best
  }

  const advance = (ms: number, until?: () => boolean): number => {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`[awrr] The virtual clock cannot move by ${ms} ms.`)
    const target = current + ms
    for (let timer = nextDue(target); timer; timer = nextDue(target)) {
      timers.splice(timers.indexOf(timer), 1)
      current = Math.max(current, timer.at)
      timer.fire()
      if (until?.()) return current
    }
    current = target
    return current
  }

  return {
    now: () => current,
    advance,
    sleep(ms, signal) {
      if (!signal?.aborted) advance(ms, signal ? () => signal.aborted : undefined)
      return Promise.resolve()
    },
    setTimer(ms, fire) {
      const timer: Timer = { at: current + ms, seq: seq++, fire }
      timers.push(timer)
      return () => {
        const index = timers.indexOf(timer)
        if (index >= 0) timers.splice(index, 1)
      }
    },
  }
}
