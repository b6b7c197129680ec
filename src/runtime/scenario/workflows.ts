import type { Random } from '../random.ts'
import { ASSET_STORAGE, PUBLISHED_STATUS } from '../tools/domains/content.ts'
import { BOOKED_STATUS } from '../tools/domains/healthcare.ts'
import type { WorkflowName } from './domains.ts'
import type { StepSpec, SuccessSpec } from './schema.ts'
import type { TaskWorld } from './task-spec.ts'

/**
 * The workflows of `generate:` suites: the original prototype's three e-commerce ones, and three
 * each for healthcare and content publishing built the same way (a full saga, a double write, a
 * flow that undoes its own write as a forward step), so a profile's faults land on comparable steps
 * in every domain. Each one is a function of a random source and the task's number (1 for T000);
 * its draws come from the task's own random source, so a task is reproducible on its own.
 */

/** One generated workflow with the world it starts from and its success oracle. */
export interface GeneratedWorkflow {
  workflow: StepSpec[]
  world: TaskWorld
  success: SuccessSpec
}

export type WorkflowBuilder = (random: Random, taskNumber: number) => GeneratedWorkflow

/** The item every workflow locks or checks. */
export const WORKFLOW_ITEM = 'widget'

/**
 * What every workflow shares: one pending, unpaid record worth `amount` (100-500) and 8-20
 * widgets in stock. Drawn in a fixed order (amount, then stock) so that adding a draw to one
 * workflow never shifts another workflow's values.
 */
function commonWorld(random: Random, recordId: string): { amount: number; world: TaskWorld; success: SuccessSpec } {
  const amount = random.int(100, 500)
  const stock = random.int(8, 20)
  return {
    amount,
    world: {
      records: { [recordId]: { status: 'pending', value: amount, payment_status: 'unpaid' } },
      inventory: { [WORKFLOW_ITEM]: stock },
    },
    success: { record: recordId, status: 'approved' },
  }
}

const approve = (recordId: string): StepSpec => ({
  tool: 'update_record',
  with: { record_id: recordId, patch: { status: 'approved' } },
})

/** Lock stock, take the payment, approve, tell the customer, commit: the full saga. */
export const sagaPayment: WorkflowBuilder = (random, taskNumber) => {
  const recordId = `REC${taskNumber}`
  const { amount, world, success } = commonWorld(random, recordId)
  const qty = random.int(1, 3)
  return {
    workflow: [
      { tool: 'get_record', with: { record_id: recordId } },
      { tool: 'auth_check', with: { record_id: recordId } },
      { tool: 'lock_inventory', with: { item_id: WORKFLOW_ITEM, qty } },
      { tool: 'process_payment', with: { order_id: recordId, amount } },
      approve(recordId),
      { tool: 'notify_user', with: { record_id: recordId, message: `Order ${recordId} is approved.` } },
      { tool: 'commit', with: { record_id: recordId } },
    ],
    world,
    success,
  }
}

/** Approve and audit: two writes that must land together. */
export const doubleWrite: WorkflowBuilder = (random, taskNumber) => {
  const recordId = `REC${taskNumber}`
  const { world, success } = commonWorld(random, recordId)
  return {
    workflow: [
      { tool: 'get_record', with: { record_id: recordId } },
      {
        tool: 'policy_check',
        // One widget is always in stock (8-20), so the check passes unless a fault says otherwise:
        // the prototype kept policy_check in the flow without it failing on its own.
        with: { action: 'approve', record_id: recordId, required_inventory: { item_id: WORKFLOW_ITEM, qty: 1 } },
      },
      approve(recordId),
      { tool: 'write_audit', with: { record_id: recordId, entry: `approved ${recordId}` } },
      { tool: 'commit', with: { record_id: recordId } },
    ],
    world,
    success,
  }
}

/** Charge, refund, then approve: the refund is a forward step here, not a compensation. */
export const refundFlow: WorkflowBuilder = (random, taskNumber) => {
  const recordId = `REC${taskNumber}`
  const { amount, world, success } = commonWorld(random, recordId)
  return {
    workflow: [
      { tool: 'get_record', with: { record_id: recordId } },
      { tool: 'auth_check', with: { record_id: recordId } },
      { tool: 'process_payment', with: { order_id: recordId, amount } },
      { tool: 'refund_payment', with: { order_id: recordId, amount } },
      approve(recordId),
      { tool: 'commit', with: { record_id: recordId } },
    ],
    world,
    success,
  }
}

/** The clinic slot every healthcare workflow books. */
export const CLINIC_SLOT = 'SLOT-0900'

/**
 * A patient who consents to treatment, billing and contact, and a pending appointment in slot
 * `CLINIC_SLOT` (1-4 places left) with a copay of 15-60 that is unpaid. Draws: copay, then places.
 */
function clinicWorld(random: Random, taskNumber: number) {
  const patientId = `PAT${taskNumber}`
  const appointmentId = `APPT${taskNumber}`
  const copay = random.int(15, 60)
  const places = random.int(1, 4)
  const world: TaskWorld = {
    records: {
      [patientId]: { name: `Patient ${taskNumber}`, consent: ['treatment', 'billing', 'contact'] },
      [appointmentId]: { status: 'pending', patient_id: patientId, slot_id: CLINIC_SLOT, copay, payment_status: 'unpaid' },
    },
    inventory: { [CLINIC_SLOT]: places },
  }
  return { patientId, appointmentId, copay, world, success: { record: appointmentId, status: BOOKED_STATUS } }
}

/** Reserve the slot, take the copay, confirm, tell the patient, commit: the full saga. */
export const appointmentBooking: WorkflowBuilder = (random, taskNumber) => {
  const { patientId, appointmentId, copay, world, success } = clinicWorld(random, taskNumber)
  return {
    workflow: [
      { tool: 'find_patient', with: { patient_id: patientId } },
      { tool: 'check_consent', with: { patient_id: patientId, purpose: 'treatment' } },
      { tool: 'reserve_slot', with: { slot_id: CLINIC_SLOT, record_id: appointmentId } },
      { tool: 'charge_copay', with: { record_id: appointmentId, amount: copay } },
      { tool: 'confirm_appointment', with: { record_id: appointmentId } },
      { tool: 'notify_patient', with: { patient_id: patientId, record_id: appointmentId, message: `Appointment ${appointmentId} is booked.` } },
      { tool: 'commit', with: { record_id: appointmentId } },
    ],
    world,
    success,
  }
}

/** A referral confirmed without a copay and written to the audit trail: two writes that land together. */
export const referralIntake: WorkflowBuilder = (random, taskNumber) => {
  const { patientId, appointmentId, world, success } = clinicWorld(random, taskNumber)
  return {
    workflow: [
      { tool: 'find_patient', with: { patient_id: patientId } },
      { tool: 'check_consent', with: { patient_id: patientId, purpose: 'treatment' } },
      { tool: 'confirm_appointment', with: { record_id: appointmentId } },
      { tool: 'write_audit', with: { record_id: appointmentId, entry: `referral ${appointmentId} accepted` } },
      { tool: 'commit', with: { record_id: appointmentId } },
    ],
    world,
    success,
  }
}

/** Charge the copay, waive it (refund as a forward step), then confirm. */
export const copayWaiver: WorkflowBuilder = (random, taskNumber) => {
  const { patientId, appointmentId, copay, world, success } = clinicWorld(random, taskNumber)
  return {
    workflow: [
      { tool: 'find_patient', with: { patient_id: patientId } },
      { tool: 'check_consent', with: { patient_id: patientId, purpose: 'billing' } },
      { tool: 'charge_copay', with: { record_id: appointmentId, amount: copay } },
      { tool: 'refund_copay', with: { record_id: appointmentId, amount: copay } },
      { tool: 'confirm_appointment', with: { record_id: appointmentId } },
      { tool: 'commit', with: { record_id: appointmentId } },
    ],
    world,
    success,
  }
}

/**
 * A clean draft and 2-6 free storage units on the CDN. `existingAsset` is already uploaded (it holds
 * one unit beyond the free ones). Draws: storage.
 */
function newsroomWorld(random: Random, taskNumber: number, existingAsset?: string) {
  const draftId = `DRAFT${taskNumber}`
  const storage = random.int(2, 6)
  const world: TaskWorld = {
    records: {
      [draftId]: { status: 'draft', title: `Post ${taskNumber}`, moderation: 'clean', assets: existingAsset ? [existingAsset] : [] },
    },
    inventory: { [ASSET_STORAGE]: storage },
  }
  return { draftId, world, success: { record: draftId, status: PUBLISHED_STATUS } }
}

/** Upload the hero image, publish, announce, commit: the full saga. */
export const articlePublish: WorkflowBuilder = (random, taskNumber) => {
  const { draftId, world, success } = newsroomWorld(random, taskNumber)
  return {
    workflow: [
      { tool: 'fetch_draft', with: { record_id: draftId } },
      { tool: 'moderation_check', with: { record_id: draftId } },
      { tool: 'upload_asset', with: { record_id: draftId, asset_id: `HERO-${taskNumber}` } },
      { tool: 'publish', with: { record_id: draftId } },
      { tool: 'notify_subscribers', with: { record_id: draftId, audience: 'subscribers' } },
      { tool: 'commit', with: { record_id: draftId } },
    ],
    world,
    success,
  }
}

/** A text-only post: publish and audit, two writes that land together. */
export const quickPublish: WorkflowBuilder = (random, taskNumber) => {
  const { draftId, world, success } = newsroomWorld(random, taskNumber)
  return {
    workflow: [
      { tool: 'fetch_draft', with: { record_id: draftId } },
      { tool: 'moderation_check', with: { record_id: draftId } },
      { tool: 'publish', with: { record_id: draftId } },
      { tool: 'write_audit', with: { record_id: draftId, entry: `published ${draftId}` } },
      { tool: 'commit', with: { record_id: draftId } },
    ],
    world,
    success,
  }
}

/** Replace the old image with a new one (the delete is a forward step here), then publish. */
export const assetSwap: WorkflowBuilder = (random, taskNumber) => {
  const oldAsset = `IMG-${taskNumber}-v1`
  const { draftId, world, success } = newsroomWorld(random, taskNumber, oldAsset)
  return {
    workflow: [
      { tool: 'fetch_draft', with: { record_id: draftId } },
      { tool: 'moderation_check', with: { record_id: draftId } },
      { tool: 'upload_asset', with: { record_id: draftId, asset_id: `IMG-${taskNumber}-v2` } },
      { tool: 'delete_asset', with: { record_id: draftId, asset_id: oldAsset } },
      { tool: 'publish', with: { record_id: draftId } },
      { tool: 'commit', with: { record_id: draftId } },
    ],
    world,
    success,
  }
}

/**
 * Read the order, lock the stock, charge what the read said (`$from`), approve, read the order back
 * before telling the customer, commit. The charge acts on the first read, so a lie there reaches
 * the world; a second record in the world is what a wrong-entity answer can come from. Made for
 * the lying suite; other suites use it only when they list it.
 */
export const readThenCharge: WorkflowBuilder = (random, taskNumber) => {
  const recordId = `REC${taskNumber}`
  const { amount, world, success } = commonWorld(random, recordId)
  const qty = random.int(1, 3)
  const neighbour = random.int(100, 500)
  world.records[`${recordId}-B`] = { status: 'pending', value: neighbour === amount ? amount + 1 : neighbour, payment_status: 'unpaid' }
  return {
    workflow: [
      { tool: 'get_record', with: { record_id: recordId } },
      { tool: 'lock_inventory', with: { item_id: WORKFLOW_ITEM, qty } },
      { tool: 'process_payment', with: { order_id: recordId, amount: { $from: '0.record.value' } } },
      approve(recordId),
      { tool: 'get_record', with: { record_id: recordId } },
      { tool: 'notify_user', with: { record_id: recordId, message: `Order ${recordId} is approved.` } },
      { tool: 'commit', with: { record_id: recordId } },
    ],
    world,
    success: { ...success, charged: amount },
  }
}

export const workflowBuilders: Readonly<Record<WorkflowName, WorkflowBuilder>> = {
  read_then_charge: readThenCharge,
  saga_payment: sagaPayment,
  double_write: doubleWrite,
  refund_flow: refundFlow,
  appointment_booking: appointmentBooking,
  referral_intake: referralIntake,
  copay_waiver: copayWaiver,
  article_publish: articlePublish,
  quick_publish: quickPublish,
  asset_swap: assetSwap,
}

/** Builds workflow `name` for task number `taskNumber` (1 for T000) from the draws of `random`. */
export function buildWorkflow(name: WorkflowName, random: Random, taskNumber: number): GeneratedWorkflow {
  return workflowBuilders[name](random, taskNumber)
}
