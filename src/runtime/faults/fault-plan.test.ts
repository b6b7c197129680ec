import { describe, expect, it } from 'vitest'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { createFaultPlan, type CallTarget, type FaultPlan } from './fault-plan.ts'

const fault = (fields: Partial<ResolvedFault> & Pick<ResolvedFault, 'type'>): ResolvedFault => ({
  id: 'F0',
  mode: 'once',
  prob: 1,
  step: 0,
  ...fields,
})

/** An audit log the test appends to by hand, standing in for the tool service's world. */
function auditLog() {
  const entries: { seq: number; kind: string }[] = []
  return {
    append: (kind: string) => entries.push({ seq: entries.length, kind }),
    recoveredSince: (since: number) => entries.some((entry) => entry.seq >= since && (entry.kind === 'rollback' || entry.kind === 'compensation')),
    auditSeq: () => entries.length,
  }
}

function planFor(faults: ResolvedFault[], task = 'T000', seed = 42, log = auditLog()): FaultPlan {
  return createFaultPlan({ seed, scenario: 'plan-test', task, faults, recoveredSince: log.recoveredSince, auditSeq: log.auditSeq })
}

const step = (index: number, tool = 'process_payment'): CallTarget => ({ tool, step: index })

/** Which of `count` calls to `target` were hit: a string like `xx..x`. */
function hits(plan: FaultPlan, target: CallTarget, count: number): string {
  return Array.from({ length: count }, () => (plan.decide(target) ? 'x' : '.')).join('')
}

describe('createFaultPlan: modes', () => {
  it('once: hits the first call only', () => {
    expect(hits(planFor([fault({ type: 'HTTP_500', mode: 'once' })]), step(0), 5)).toBe('x....')
  })

  it('persistent: hits every call', () => {
    expect(hits(planFor([fault({ type: 'AuthDenied', mode: 'persistent' })]), step(0), 6)).toBe('xxxxxx')
  })

  it('per_attempt with prob 1 hits every call; with prob 0 none', () => {
    expect(hits(planFor([fault({ type: 'HTTP_500', mode: 'per_attempt', prob: 1 })]), step(0), 5)).toBe('xxxxx')
    expect(hits(planFor([fault({ type: 'HTTP_500', mode: 'per_attempt', prob: 0 })]), step(0), 50)).toBe('.'.repeat(50))
  })

  it('per_attempt draws anew per attempt: a fair coin gives a mixed sequence', () => {
    const sequence = hits(planFor([fault({ type: 'HTTP_500', mode: 'per_attempt', prob: 0.5 })]), step(0), 64)
    expect(sequence).toContain('x')
    expect(sequence).toContain('.')
  })

  it('first_n: hits the first `times` attempts, then never', () => {
    expect(hits(planFor([fault({ type: 'Unavailable', mode: 'first_n', times: 3 })]), step(0), 7)).toBe('xxx....')
  })

  it('first_n without times never hits', () => {
    expect(hits(planFor([fault({ type: 'Unavailable', mode: 'first_n' })]), step(0), 3)).toBe('...')
  })

  it('prob 0 never hits in any mode, even over many tasks', () => {
    for (const mode of ['once', 'persistent', 'per_attempt', 'first_n', 'stateful_conflict'] as const) {
      for (let task = 0; task < 50; task++) {
        const plan = planFor([fault({ type: 'Conflict', mode, prob: 0, times: 3 })], `T${task}`)
        expect(hits(plan, step(0), 4), `${mode} T${task}`).toBe('....')
      }
    }
  })

  it('once and persistent decide once per task: a task is hit on every attempt or on none', () => {
    const patterns = new Set<string>()
    for (let task = 0; task < 200; task++) {
      const plan = planFor([fault({ type: 'AuthDenied', mode: 'persistent', prob: 0.5 })], `T${task}`)
      patterns.add(hits(plan, step(0), 5))
    }
    expect([...patterns].sort()).toEqual(['.....', 'xxxxx'])
  })

  it('prob is honoured across tasks (0.3 fires for roughly 30% of 1000 tasks)', () => {
    let fired = 0
    for (let task = 0; task < 1_000; task++) {
      if (planFor([fault({ type: 'HTTP_500', mode: 'once', prob: 0.3 })], `T${task}`).decide(step(0))) fired++
    }
    // Binomial(1000, 0.3): sd about 14.5; 5 sd either side.
    expect(fired).toBeGreaterThan(227)
    expect(fired).toBeLessThan(373)
  })

  it('force_first_attempt hits attempt 0 even at prob 0, and only that attempt for per_attempt', () => {
    expect(hits(planFor([fault({ type: 'HTTP_500', mode: 'per_attempt', prob: 0, force_first_attempt: true })]), step(0), 4)).toBe('x...')
    expect(hits(planFor([fault({ type: 'HTTP_500', mode: 'persistent', prob: 0, force_first_attempt: true })]), step(0), 3)).toBe('xxx')
  })

  it('reports the attempt index of the targeted step and the default or overridden layer', () => {
    const plan = planFor([fault({ type: 'HTTP_500', mode: 'first_n', times: 2 })])
    expect(plan.decide(step(0))).toMatchObject({ attempt: 0, layer: 'transient' })
    expect(plan.decide(step(0))).toMatchObject({ attempt: 1, layer: 'transient' })
    const overridden = planFor([fault({ type: 'HTTP_500', layer: 'persistent' })])
    expect(overridden.decide(step(0))?.layer).toBe('persistent')
    expect(planFor([fault({ type: 'Conflict' })]).decide(step(0))?.layer).toBe('cascade')
  })
})

describe('createFaultPlan: stateful_conflict', () => {
  it('stays active until a rollback is recorded after it became active, then never returns', () => {
    const log = auditLog()
    const plan = planFor([fault({ type: 'Conflict', mode: 'stateful_conflict' })], 'T000', 42, log)
    expect(hits(plan, step(0), 3)).toBe('xxx')
    log.append('write')
    expect(hits(plan, step(0), 1)).toBe('x')
    log.append('rollback')
    expect(hits(plan, step(0), 3)).toBe('...')
    log.append('write')
    expect(hits(plan, step(0), 2)).toBe('..')
  })

  it('is cleared by a compensation entry too', () => {
    const log = auditLog()
    const plan = planFor([fault({ type: 'Conflict', mode: 'stateful_conflict' })], 'T000', 42, log)
    expect(hits(plan, step(0), 1)).toBe('x')
    log.append('compensation')
    expect(hits(plan, step(0), 1)).toBe('.')
  })

  it('ignores a rollback that happened before it became active', () => {
    const log = auditLog()
    log.append('rollback')
    log.append('compensation')
    const plan = planFor([fault({ type: 'Conflict', mode: 'stateful_conflict' })], 'T000', 42, log)
    expect(hits(plan, step(0), 3)).toBe('xxx')
  })

  it('with prob < 1 draws per attempt until it activates, then stays', () => {
    const log = auditLog()
    // Find a task whose first draw misses, so activation at a later attempt is exercised.
    for (let task = 0; task < 100; task++) {
      const plan = planFor([fault({ type: 'Conflict', mode: 'stateful_conflict', prob: 0.5 })], `T${task}`, 42, log)
      const sequence = hits(plan, step(0), 30)
      if (sequence.startsWith('.') && sequence.includes('x')) {
        expect(sequence).toMatch(/^\.+x+$/)
        return
      }
    }
    expect.unreachable('no task activated late in 100 tries')
  })
})

describe('createFaultPlan: targeting', () => {
  it('a step fault hits only that workflow step, whatever the tool', () => {
    const plan = planFor([fault({ type: 'HTTP_500', mode: 'persistent', step: 2 })])
    expect(plan.decide(step(1))).toBeUndefined()
    expect(plan.decide({ tool: 'process_payment', step: undefined })).toBeUndefined()
    expect(plan.decide(step(2, 'get_record'))).toBeDefined()
  })

  it('a tool fault hits every call of the tool, steps and calls outside the workflow alike, and counts attempts per tool', () => {
    const { step: _omitted, ...rest } = fault({ type: 'HTTP_500', mode: 'first_n', times: 3 })
    const plan = planFor([{ ...rest, tool: 'refund_payment' }])
    expect(plan.decide({ tool: 'get_record', step: 0 })).toBeUndefined()
    expect(plan.decide({ tool: 'refund_payment', step: 3 })?.attempt).toBe(0)
    expect(plan.decide({ tool: 'refund_payment', step: undefined })?.attempt).toBe(1)
    expect(plan.decide({ tool: 'refund_payment', step: 7 })?.attempt).toBe(2)
    expect(plan.decide({ tool: 'refund_payment', step: undefined })).toBeUndefined()
  })

  it('when two faults match, the first listed wins and both count the attempt', () => {
    const plan = planFor([
      fault({ id: 'first', type: 'HTTP_500', mode: 'once' }),
      fault({ id: 'second', type: 'AuthDenied', mode: 'first_n', times: 2 }),
    ])
    expect(plan.decide(step(0))?.fault.id).toBe('first')
    // `second` counted the first call: this is its attempt 1, the last of its two.
    expect(plan.decide(step(0))).toMatchObject({ fault: { id: 'second' }, attempt: 1 })
    expect(plan.decide(step(0))).toBeUndefined()
  })
})

describe('createFaultPlan: determinism', () => {
  const coin = (task: string, seed = 42) =>
    hits(planFor([fault({ type: 'HTTP_500', mode: 'per_attempt', prob: 0.5 })], task, seed), step(0), 64)

  it('same inputs give the same decisions', () => {
    expect(coin('T007')).toBe(coin('T007'))
  })

  it('different task ids, seeds or fault ids give different decisions', () => {
    expect(coin('T007')).not.toBe(coin('T008'))
    expect(coin('T007', 42)).not.toBe(coin('T007', 43))
    const withId = (id: string) => hits(planFor([fault({ id, type: 'HTTP_500', mode: 'per_attempt', prob: 0.5 })]), step(0), 64)
    expect(withId('F0')).not.toBe(withId('F1'))
  })

  it('does not depend on the order in which other tasks run', () => {
    const tasks = Array.from({ length: 20 }, (_, index) => `T${String(index).padStart(3, '0')}`)
    const run = (order: string[]) => Object.fromEntries(order.map((task) => [task, coin(task)]))
    expect(run([...tasks].reverse())).toEqual(run(tasks))
  })

  it("a task's draws do not depend on calls of other steps interleaved with it", () => {
    const faults = [
      fault({ id: 'A', type: 'HTTP_500', mode: 'per_attempt', prob: 0.5, step: 0 }),
      fault({ id: 'B', type: 'HTTP_500', mode: 'per_attempt', prob: 0.5, step: 1 }),
    ]
    const alone = hits(planFor(faults), step(0), 32)
    const interleaved = planFor(faults)
    const mixed = Array.from({ length: 32 }, () => {
      interleaved.decide(step(1))
      return interleaved.decide(step(0)) ? 'x' : '.'
    }).join('')
    expect(mixed).toBe(alone)
  })
})
