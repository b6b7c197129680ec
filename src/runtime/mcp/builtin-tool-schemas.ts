import type { BuiltinToolName } from '../tools/tool-specs.ts'

/** JSON Schemas of the built-in tools' arguments, as a simulated MCP server lists them. */

type JsonSchema = Record<string, unknown>

const string = (description: string): JsonSchema => ({ type: 'string', description })
const positive = (description: string): JsonSchema => ({ type: 'number', exclusiveMinimum: 0, description })
const object = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({ type: 'object', properties, required })

const recordId = string('Id of the record')

const schemas: Partial<Record<BuiltinToolName, { description: string; inputSchema: JsonSchema }>> = {
  get_record: { description: 'Reads a record.', inputSchema: object({ record_id: recordId }, ['record_id']) },
  auth_check: { description: 'Checks that the caller may act on a record.', inputSchema: object({ record_id: recordId, user: string('Who acts') }, []) },
  policy_check: {
    description: 'Checks an action against policy (stock it requires, ...).',
    inputSchema: object({ action: string('The action'), required_inventory: object({ item_id: string('Item'), qty: positive('Quantity') }, ['item_id', 'qty']) }, []),
  },
  update_record: {
    description: 'Applies a patch to a record.',
    inputSchema: object({ record_id: recordId, patch: { type: 'object', description: 'Fields to set' } }, ['record_id', 'patch']),
  },
  write_audit: { description: 'Writes an audit entry.', inputSchema: object({ record_id: recordId, entry: { description: 'What to record' } }, []) },
  notify_user: { description: 'Sends a notification to the record’s user.', inputSchema: object({ record_id: recordId, message: string('Text') }, []) },
  send_message: { description: 'Sends a message.', inputSchema: object({ to: string('Recipient'), body: string('Text') }, ['to']) },
  create_ticket: { description: 'Opens a ticket for a human.', inputSchema: object({ reason: string('Why'), severity: string('How urgent') }, []) },
  commit: { description: 'Commits the transaction of a record.', inputSchema: object({ record_id: recordId }, []) },
  lock_inventory: { description: 'Reserves stock.', inputSchema: object({ item_id: string('Item'), qty: positive('Quantity') }, ['item_id', 'qty']) },
  unlock_inventory: { description: 'Releases reserved stock.', inputSchema: object({ item_id: string('Item'), qty: positive('Quantity') }, ['item_id', 'qty']) },
  process_payment: { description: 'Charges an order.', inputSchema: object({ order_id: string('Order'), amount: positive('Amount') }, ['order_id', 'amount']) },
  refund_payment: { description: 'Refunds an order’s charge.', inputSchema: object({ order_id: string('Order') }, ['order_id']) },
}

export function builtinToolSchema(name: BuiltinToolName): { description: string; inputSchema: JsonSchema } {
  return schemas[name] ?? { description: `The built-in tool ${name}.`, inputSchema: { type: 'object' } }
}
