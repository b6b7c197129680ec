/**
 * The fault taxonomy kept from the prototype: fault types, how often they fire, the four layers
 * and the outcomes a task can end with. Plain data with no dependencies, so the worker's hot
 * modules (the fault plan, the executor) need not load the schema library to use it.
 */

/**
 * Faults only an MCP server can show: a tool result with `isError: true`, a JSON-RPC error, an
 * expired session (404 on the session id), a token that expired mid-session (401), and a
 * `notifications/tools/list_changed` after which the tool's input schema differs.
 */
export const mcpFaultTypes = ['McpToolError', 'JsonRpcError', 'SessionExpired', 'TokenExpired', 'ToolsChanged'] as const
export type McpFaultType = (typeof mcpFaultTypes)[number]

export function isMcpFaultType(type: string): type is McpFaultType {
  return (mcpFaultTypes as readonly string[]).includes(type)
}

export const faultTypes = [
  'Timeout',
  'HTTP_500',
  'Unavailable',
  'RateLimited',
  'NetworkError',
  'AuthDenied',
  'NotFound',
  'BadRequest',
  'PolicyRejected',
  'WrongData',
  'Conflict',
  'StateCorruption',
  // Tools that lie: a 200 whose content is wrong (see src/runtime/faults/lying-faults.ts).
  'StaleData',
  'WrongEntity',
  'SilentNoOp',
  'PlausibleWrong',
  'SchemaDrift',
  // Model endpoints only (`tool: llm`): provider-shaped answers the LLM SDKs parse.
  'Overloaded',
  'StreamCut',
  'StreamStall',
  'SlowStream',
  'MalformedToolArgs',
  'UnknownTool',
  'Truncated',
  'Refusal',
  // MCP servers (src/runtime/mcp/): faults of the protocol layer, for tools an MCP server serves.
  ...mcpFaultTypes,
] as const
export type FaultType = (typeof faultTypes)[number]

export const faultModes = ['once', 'per_attempt', 'persistent', 'stateful_conflict', 'first_n'] as const
export type FaultMode = (typeof faultModes)[number]

export const layers = ['transient', 'persistent', 'semantic', 'cascade'] as const
export type Layer = (typeof layers)[number]

export const outcomes = ['completed', 'escalated', 'failed'] as const
export type Outcome = (typeof outcomes)[number]

export const defaultLayerOf: Readonly<Record<FaultType, Layer>> = {
  Timeout: 'transient',
  HTTP_500: 'transient',
  Unavailable: 'transient',
  RateLimited: 'transient',
  NetworkError: 'transient',
  AuthDenied: 'persistent',
  NotFound: 'persistent',
  BadRequest: 'semantic',
  PolicyRejected: 'semantic',
  WrongData: 'semantic',
  Conflict: 'cascade',
  StateCorruption: 'cascade',
  StaleData: 'semantic',
  WrongEntity: 'semantic',
  SilentNoOp: 'semantic',
  PlausibleWrong: 'semantic',
  SchemaDrift: 'semantic',
  Overloaded: 'transient',
  StreamCut: 'transient',
  StreamStall: 'transient',
  SlowStream: 'transient',
  MalformedToolArgs: 'semantic',
  UnknownTool: 'semantic',
  Truncated: 'semantic',
  Refusal: 'semantic',
  // The tool ran and said no: the model is meant to read it and correct its call.
  McpToolError: 'semantic',
  // -32603 internal error by default; a retry may pass.
  JsonRpcError: 'transient',
  // A new `initialize` gives a new session; the call then goes through.
  SessionExpired: 'transient',
  // Like AuthDenied: only new credentials help.
  TokenExpired: 'persistent',
  // The contract changed: the client has to list the tools again and call with the new schema.
  ToolsChanged: 'semantic',
}

/** Fault types that only a model endpoint can answer with: a tool has no stream or tool call to break. */
export const modelOnlyFaultTypes = ['Overloaded', 'StreamCut', 'StreamStall', 'SlowStream', 'MalformedToolArgs', 'UnknownTool', 'Truncated', 'Refusal'] as const satisfies readonly FaultType[]

/** Fault types a model endpoint can answer with: its own, and the HTTP-level ones every service has. */
export const modelFaultTypes = [
  'RateLimited',
  'Overloaded',
  'HTTP_500',
  'Unavailable',
  'Timeout',
  'NetworkError',
  'AuthDenied',
  'BadRequest',
  ...modelOnlyFaultTypes.filter((type) => type !== 'Overloaded'),
] as const satisfies readonly FaultType[]

/** Fault types a tool can answer with: every type but the model-only ones. */
export const toolFaultTypes: readonly FaultType[] = faultTypes.filter((type) => !(modelOnlyFaultTypes as readonly FaultType[]).includes(type))

export function isModelOnlyFaultType(type: FaultType): boolean {
  return (modelOnlyFaultTypes as readonly FaultType[]).includes(type)
}

export function isModelFaultType(type: FaultType): boolean {
  return (modelFaultTypes as readonly FaultType[]).includes(type)
}
