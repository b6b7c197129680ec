import type { Random } from '../random.ts'
import type { StepSpec, SuccessSpec, WorkflowName } from './schema.ts'
import type { TaskWorld } from './task-spec.ts'

/**
 * The three e-commerce workflows of the original prototype, used by `generate:` suites. Each one is
 * a function of a random source and a record id; its draws (quantity, amount, stock) come from the
 * task's own random source, so a task is reproducible on its own.
 */

/** One generated workflow with the world it starts from and its success oracle. */
export interface GeneratedWorkflow {
  workflow: StepSpec[]
  world: TaskWorld
  success: SuccessSpec
}

export type WorkflowBuilder = (random: Random, recordId: string) => GeneratedWorkflow

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
export const sagaPayment: WorkflowBuilder = (random, recordId) => {
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
export const doubleWrite: WorkflowBuilder = (random, recordId) => {
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
export const refundFlow: WorkflowBuilder = (random, recordId) => {
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

export const workflowBuilders: Readonly<Record<WorkflowName, WorkflowBuilder>> = {
  saga_payment: sagaPayment,
  double_write: doubleWrite,
  refund_flow: refundFlow,
}

/** Builds workflow `name` for record `recordId` from the draws of `random`. */
export function buildWorkflow(name: WorkflowName, random: Random, recordId: string): GeneratedWorkflow {
  return workflowBuilders[name](random, recordId)
}
