import { contentToolNames, contentToolSpecs } from './domains/content.ts'
import { healthcareToolNames, healthcareToolSpecs } from './domains/healthcare.ts'

/**
 * What each built-in tool is: whether it changes the world, how to undo it, and how long it takes.
 * The executor reads these to build the saga stack and send idempotency keys; the tool service reads
 * them for latency. Strategies may read them too: a real client knows its own tools.
 */

/** The original prototype's e-commerce tools. */
export const ecommerceToolNames = [
  'get_record',
  'auth_check',
  'policy_check',
  'update_record',
  'write_audit',
  'notify_user',
  'send_message',
  'create_ticket',
  'commit',
  'lock_inventory',
  'unlock_inventory',
  'process_payment',
  'refund_payment',
  'rollback',
] as const

export const builtinToolNames = [...ecommerceToolNames, ...healthcareToolNames, ...contentToolNames] as const

export type BuiltinToolName = (typeof builtinToolNames)[number]

export interface CompensationSpec {
  /** The tool that undoes this one. */
  tool: string
  /** Which of the step's arguments the compensation takes, renamed where needed: `{ to: from }`. */
  args?: Record<string, string>
  /** Arguments taken from the step's result instead: `{ patch: 'previous' }`. */
  fromResult?: Record<string, string>
  /** Constant arguments, e.g. `{ correction: true }`. */
  fixed?: Record<string, unknown>
  /** Called with the step's own arguments (declared real tools). */
  sameArgs?: boolean
}

export interface ToolSpec {
  name: string
  /** The call changes the world: it gets an Idempotency-Key and, when it has one, a compensation. */
  sideEffect: boolean
  /** Once done it cannot be taken back (a message left the building); compensation is a correction. */
  irreversible: boolean
  compensation?: CompensationSpec
  /** Mean latency on the virtual clock, before seeded jitter. */
  baseLatencyMs: number
}

const spec = (name: BuiltinToolName, fields: Omit<ToolSpec, 'name'>): ToolSpec => ({ name, ...fields })

export const builtinToolSpecs: Readonly<Record<BuiltinToolName, ToolSpec>> = {
  get_record: spec('get_record', { sideEffect: false, irreversible: false, baseLatencyMs: 40 }),
  auth_check: spec('auth_check', { sideEffect: false, irreversible: false, baseLatencyMs: 30 }),
  policy_check: spec('policy_check', { sideEffect: false, irreversible: false, baseLatencyMs: 35 }),
  update_record: spec('update_record', {
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'update_record', args: { record_id: 'record_id' }, fromResult: { patch: 'previous' } },
    baseLatencyMs: 60,
  }),
  write_audit: spec('write_audit', { sideEffect: true, irreversible: false, baseLatencyMs: 25 }),
  notify_user: spec('notify_user', {
    sideEffect: true,
    irreversible: true,
    compensation: { tool: 'send_message', args: { to: 'record_id' }, fixed: { correction: true, body: 'Please disregard our last message.' } },
    baseLatencyMs: 80,
  }),
  send_message: spec('send_message', {
    sideEffect: true,
    irreversible: true,
    compensation: { tool: 'send_message', args: { to: 'to' }, fixed: { correction: true, body: 'Please disregard our last message.' } },
    baseLatencyMs: 80,
  }),
  create_ticket: spec('create_ticket', { sideEffect: true, irreversible: false, baseLatencyMs: 50 }),
  commit: spec('commit', { sideEffect: true, irreversible: false, baseLatencyMs: 45 }),
  lock_inventory: spec('lock_inventory', {
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'unlock_inventory', args: { item_id: 'item_id', qty: 'qty' } },
    baseLatencyMs: 55,
  }),
  unlock_inventory: spec('unlock_inventory', { sideEffect: true, irreversible: false, baseLatencyMs: 55 }),
  process_payment: spec('process_payment', {
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'refund_payment', args: { order_id: 'order_id', amount: 'amount' } },
    baseLatencyMs: 120,
  }),
  refund_payment: spec('refund_payment', { sideEffect: true, irreversible: false, baseLatencyMs: 110 }),
  rollback: spec('rollback', { sideEffect: true, irreversible: false, baseLatencyMs: 30 }),
  ...healthcareToolSpecs,
  ...contentToolSpecs,
}

export function isBuiltinTool(name: string): name is BuiltinToolName {
  return Object.hasOwn(builtinToolSpecs, name)
}
