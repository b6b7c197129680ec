import type { ToolImplementation } from '../builtin-tools.ts'
import type { ToolSpec } from '../tool-specs.ts'
import { appendAudit, cloneData } from '../world.ts'
import { fail, findRecord, missing, ok, positiveAmount, text } from './tool-answers.ts'

/**
 * Healthcare: booking an appointment. The domain lives in the shared world so the consistency
 * oracle, checkpoints and rollback work unchanged:
 * - patients are records (`PAT1: { name, consent: [treatment, billing, contact] }`);
 * - appointments are records with a status and a copay (`APPT1: { status: pending, patient_id,
 *   slot_id, copay, payment_status: unpaid }`). A booked appointment's status is `approved`, the
 *   status the oracle reads, so "copay taken for an appointment that was not booked" and "booked
 *   but the copay refunded" are caught by the same rules as an unpaid or unapproved order;
 * - a clinic slot is inventory (`SLOT-0900: 2` places left), so a leaked reservation shows up as
 *   inventory that did not come back;
 * - copays are payments against the appointment, so a double charge is caught as one.
 */

export const healthcareToolNames = [
  'find_patient',
  'check_consent',
  'reserve_slot',
  'release_slot',
  'charge_copay',
  'refund_copay',
  'confirm_appointment',
  'cancel_appointment',
  'notify_patient',
] as const

export type HealthcareToolName = (typeof healthcareToolNames)[number]

const correction = { correction: true, body: 'Please disregard our last message about your appointment.' }

export const healthcareToolSpecs: Readonly<Record<HealthcareToolName, ToolSpec>> = {
  find_patient: { name: 'find_patient', sideEffect: false, irreversible: false, baseLatencyMs: 45 },
  check_consent: { name: 'check_consent', sideEffect: false, irreversible: false, baseLatencyMs: 35 },
  reserve_slot: {
    name: 'reserve_slot',
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'release_slot', args: { slot_id: 'slot_id', record_id: 'record_id' } },
    baseLatencyMs: 60,
  },
  release_slot: { name: 'release_slot', sideEffect: true, irreversible: false, baseLatencyMs: 55 },
  charge_copay: {
    name: 'charge_copay',
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'refund_copay', args: { record_id: 'record_id', amount: 'amount' } },
    baseLatencyMs: 130,
  },
  refund_copay: { name: 'refund_copay', sideEffect: true, irreversible: false, baseLatencyMs: 115 },
  confirm_appointment: {
    name: 'confirm_appointment',
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'cancel_appointment', args: { record_id: 'record_id' }, fromResult: { status: 'previous_status' } },
    baseLatencyMs: 65,
  },
  cancel_appointment: { name: 'cancel_appointment', sideEffect: true, irreversible: false, baseLatencyMs: 60 },
  // A message to a patient cannot be unsent: the compensation is a correction.
  notify_patient: {
    name: 'notify_patient',
    sideEffect: true,
    irreversible: true,
    compensation: { tool: 'send_message', args: { to: 'patient_id' }, fixed: correction },
    baseLatencyMs: 90,
  },
}

/** The status a booked appointment has: the one the consistency oracle and success oracle read. */
export const BOOKED_STATUS = 'approved'

const consentsTo = (patient: Record<string, unknown>, purpose: string): boolean =>
  Array.isArray(patient['consent']) && patient['consent'].includes(purpose)

export const healthcareTools: Readonly<Record<HealthcareToolName, ToolImplementation>> = {
  find_patient(world, args) {
    const found = findRecord(world, args, 'patient_id', 'patient')
    return 'answer' in found ? found.answer : ok({ patient_id: found.id, patient: cloneData(found.record) })
  },
  check_consent(world, args) {
    const found = findRecord(world, args, 'patient_id', 'patient')
    if ('answer' in found) return found.answer
    const purpose = text(args, 'purpose') ?? 'treatment'
    // A real refusal, not an injected one: booking without consent is what the check exists for.
    if (!consentsTo(found.record, purpose)) return fail(403, 'consent_missing', `patient ${found.id} has not consented to ${purpose}`)
    return ok({ patient_id: found.id, purpose, consent: 'granted' })
  },
  reserve_slot(world, args) {
    const slot = text(args, 'slot_id')
    if (slot === undefined) return missing('slot_id')
    const free = world.inventory[slot]
    if (free === undefined) return fail(404, 'not_found', `slot ${slot} does not exist`)
    if (free < 1) return fail(409, 'slot_taken', `slot ${slot} is fully booked`)
    world.inventory[slot] = free - 1
    appendAudit(world, 'write', 'reserve_slot', { slot_id: slot, record_id: text(args, 'record_id') ?? null })
    return ok({ slot_id: slot, reserved: 1, remaining: free - 1 })
  },
  release_slot(world, args) {
    const slot = text(args, 'slot_id')
    if (slot === undefined) return missing('slot_id')
    world.inventory[slot] = (world.inventory[slot] ?? 0) + 1
    appendAudit(world, 'write', 'release_slot', { slot_id: slot, record_id: text(args, 'record_id') ?? null })
    return ok({ slot_id: slot, released: 1, remaining: world.inventory[slot] })
  },
  charge_copay(world, args) {
    const found = findRecord(world, args, 'record_id', 'appointment')
    if ('answer' in found) return found.answer
    const amount = positiveAmount(args, 'amount')
    if (amount === undefined) return missing('amount')
    const payment = { id: `PAY-${world.payments.length + 1}`, order_id: found.id, amount, status: 'charged' as const }
    world.payments.push(payment)
    found.record['payment_status'] = 'paid'
    appendAudit(world, 'write', 'charge_copay', { record_id: found.id, amount, payment_id: payment.id })
    return ok({ payment_id: payment.id, record_id: found.id, amount, status: 'charged' })
  },
  refund_copay(world, args) {
    const id = text(args, 'record_id')
    if (id === undefined) return missing('record_id')
    const payment = world.payments.find((candidate) => candidate.order_id === id && candidate.status === 'charged')
    if (!payment) return fail(404, 'not_found', `no charged copay for appointment ${id}`)
    payment.status = 'refunded'
    const record = world.records[id]
    if (record && !world.payments.some((other) => other.order_id === id && other.status === 'charged')) {
      record['payment_status'] = 'refunded'
    }
    appendAudit(world, 'write', 'refund_copay', { record_id: id, amount: payment.amount, payment_id: payment.id })
    return ok({ payment_id: payment.id, record_id: id, refunded: payment.amount })
  },
  confirm_appointment(world, args) {
    const found = findRecord(world, args, 'record_id', 'appointment')
    if ('answer' in found) return found.answer
    const previous = found.record['status'] ?? null
    found.record['status'] = BOOKED_STATUS
    appendAudit(world, 'write', 'confirm_appointment', { record_id: found.id })
    return ok({ record_id: found.id, status: BOOKED_STATUS, previous_status: previous })
  },
  cancel_appointment(world, args) {
    const found = findRecord(world, args, 'record_id', 'appointment')
    if ('answer' in found) return found.answer
    // Undoing a confirmation puts the appointment back where it was, not into a new state.
    const status = text(args, 'status') ?? 'pending'
    found.record['status'] = status
    appendAudit(world, 'write', 'cancel_appointment', { record_id: found.id, status })
    return ok({ record_id: found.id, status })
  },
  notify_patient(world, args) {
    const found = findRecord(world, args, 'patient_id', 'patient')
    if ('answer' in found) return found.answer
    if (!consentsTo(found.record, 'contact')) return fail(403, 'consent_missing', `patient ${found.id} has not consented to contact`)
    world.messages.push({ to: found.id, body: text(args, 'message') ?? 'appointment update', correction: false })
    appendAudit(world, 'message', 'notify_patient', { to: found.id, record_id: text(args, 'record_id') ?? null })
    return ok({ delivered: true, to: found.id })
  },
}
