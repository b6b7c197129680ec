import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTask } from '../../executor/run-task.ts'
import type { TraceEvent } from '../../executor/trace-events.ts'
import { createRandom } from '../../random.ts'
import type { ResolvedFault, TaskSpec } from '../../scenario/task-spec.ts'
import { buildWorkflow, CLINIC_SLOT } from '../../scenario/workflows.ts'
import { noRecovery, ruleBased } from '../../strategies/builtin-strategies.ts'
import type { RecoveryStrategy } from '../../strategies/recovery-strategy.ts'
import { closeToolServer, ensureToolServer } from '../../interception/index.ts'
import { builtinToolSpecs } from '../tool-specs.ts'
import { createWorld } from '../world.ts'
import { healthcareTools } from './healthcare.ts'

beforeAll(() => ensureToolServer())
afterAll(() => closeToolServer())

const clinic = () =>
  createWorld({
    records: {
      PAT1: { name: 'Ada', consent: ['treatment', 'billing'] },
      APPT1: { status: 'pending', patient_id: 'PAT1', slot_id: CLINIC_SLOT, copay: 30, payment_status: 'unpaid' },
    },
    inventory: { [CLINIC_SLOT]: 1 },
  })

describe('healthcare tools', () => {
  it('books one place of a slot and refuses a second when it is full', () => {
    const world = clinic()
    expect(healthcareTools.reserve_slot(world, { slot_id: CLINIC_SLOT, record_id: 'APPT1' }).status).toBe(200)
    expect(world.inventory[CLINIC_SLOT]).toBe(0)
    expect(healthcareTools.reserve_slot(world, { slot_id: CLINIC_SLOT })).toMatchObject({ status: 409, body: { error: { code: 'slot_taken' } } })
    healthcareTools.release_slot(world, { slot_id: CLINIC_SLOT })
    expect(world.inventory[CLINIC_SLOT]).toBe(1)
  })

  it('charges the copay against the appointment and refunds it', () => {
    const world = clinic()
    healthcareTools.charge_copay(world, { record_id: 'APPT1', amount: 30 })
    expect(world.payments).toEqual([{ id: 'PAY-1', order_id: 'APPT1', amount: 30, status: 'charged' }])
    expect(world.records['APPT1']?.['payment_status']).toBe('paid')
    healthcareTools.refund_copay(world, { record_id: 'APPT1' })
    expect(world.records['APPT1']?.['payment_status']).toBe('refunded')
    expect(healthcareTools.refund_copay(world, { record_id: 'APPT1' }).status).toBe(404)
  })

  it('confirms an appointment and cancels back to the status it had', () => {
    const world = clinic()
    const confirmed = healthcareTools.confirm_appointment(world, { record_id: 'APPT1' })
    expect(confirmed.body).toEqual({ ok: true, result: { record_id: 'APPT1', status: 'approved', previous_status: 'pending' } })
    healthcareTools.cancel_appointment(world, { record_id: 'APPT1', status: 'pending' })
    expect(world.records['APPT1']?.['status']).toBe('pending')
  })

  it('refuses what the patient did not consent to', () => {
    const world = clinic()
    expect(healthcareTools.check_consent(world, { patient_id: 'PAT1', purpose: 'treatment' }).status).toBe(200)
    expect(healthcareTools.check_consent(world, { patient_id: 'PAT1', purpose: 'research' })).toMatchObject({ status: 403 })
    expect(healthcareTools.notify_patient(world, { patient_id: 'PAT1' })).toMatchObject({ status: 403, body: { error: { code: 'consent_missing' } } })
    expect(world.messages).toEqual([])
    expect(healthcareTools.find_patient(world, { patient_id: 'PAT9' }).status).toBe(404)
  })

  it('declares the saga: slot, copay and confirmation undo, the message is irreversible', () => {
    expect(builtinToolSpecs.reserve_slot.compensation?.tool).toBe('release_slot')
    expect(builtinToolSpecs.charge_copay.compensation?.tool).toBe('refund_copay')
    expect(builtinToolSpecs.confirm_appointment.compensation?.tool).toBe('cancel_appointment')
    expect(builtinToolSpecs.notify_patient).toMatchObject({ sideEffect: true, irreversible: true })
    expect(builtinToolSpecs.find_patient.sideEffect).toBe(false)
  })
})

describe('healthcare workflows through the tool service', () => {
  const booking = (faults: ResolvedFault[]): TaskSpec => {
    const { workflow, world, success } = buildWorkflow('appointment_booking', createRandom(5), 1)
    return { id: 'main', index: 0, workflow, world, success, faults }
  }
  const run = async (task: TaskSpec, strategy: RecoveryStrategy) => {
    const events: TraceEvent[] = []
    const summary = await runTask({
      task,
      scenario: 'healthcare-test',
      file: 'src/runtime/tools/domains/healthcare.test.ts',
      seed: 42,
      batch: 0,
      strategy,
      trace: { emit: (event) => void events.push(event) },
      tracePath: '.awrr/traces/test.jsonl',
    })
    return { summary, events }
  }

  it('completes a booking with no fault and leaves the appointment approved and paid', async () => {
    const { summary } = await run(booking([]), ruleBased())
    expect(summary).toMatchObject({ outcome: 'completed', toolCalls: 7, consistent: true })
  })

  it('undoes confirmation, copay and slot, newest first, when the patient cannot be told', async () => {
    const task = booking([{ id: 'F0', step: 5, type: 'HTTP_500', mode: 'persistent', prob: 1 }])
    const { summary } = await run(task, ruleBased())
    expect(summary.outcome).toBe('escalated')
    expect(summary.compensations).toEqual([
      { tool: 'cancel_appointment', step: 4, ok: true },
      { tool: 'refund_copay', step: 3, ok: true },
      { tool: 'release_slot', step: 2, ok: true },
    ])
    expect(summary).toMatchObject({ consistent: true, inconsistencies: [] })
  })

  it('B0 leaves the slot taken and the oracle says so', async () => {
    const task = booking([{ id: 'F0', step: 5, type: 'HTTP_500', mode: 'persistent', prob: 1 }])
    const { summary } = await run(task, noRecovery())
    expect(summary.outcome).toBe('failed')
    expect(summary.consistent).toBe(false)
    expect(summary.inconsistencies).toContainEqual(expect.stringMatching(new RegExp(`^inventory ${CLINIC_SLOT} is \\d+, was \\d+$`)))
  })

  it('a lost copay answer retried with the same Idempotency-Key charges once', async () => {
    const task = booking([{ id: 'F0', step: 3, type: 'Timeout', mode: 'once', prob: 1, applied: true }])
    const { summary, events } = await run(task, ruleBased())
    expect(summary.outcome).toBe('completed')
    const copayServes = events.filter((event) => event.type === 'tool:serve' && event.tool === 'charge_copay')
    expect(copayServes.map((event) => event.type === 'tool:serve' && event.replayed)).toEqual([false, true])
    expect(summary.inconsistencies).toEqual([])
  })
})
