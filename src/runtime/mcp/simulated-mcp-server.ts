import { isMcpFaultType } from '../scenario/taxonomy.ts'
import type { TaskEnvironment } from '../tools/task-environment.ts'
import { builtinToolSpecs, isBuiltinTool } from '../tools/tool-specs.ts'
import { builtinToolSchema } from './builtin-tool-schemas.ts'
import { mcpFaultWire } from './mcp-fault-wire.ts'

/**
 * A simulated MCP server (Streamable HTTP, protocol 2025-03-26 to 2025-11-25) that serves the
 * scenario's tools: built-in tools answer from the task's world through the tool service (so their
 * calls, faults and latencies are the tool service's), declared tools answer their `result:`.
 * It answers plain JSON, and Server-Sent Events only when it has a notification to send first.
 * State (sessions, expired tokens, changed schemas) belongs to one task.
 */

type JsonObject = Record<string, unknown>
type RpcId = string | number | null

const supportedVersions = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']
const sessionHeader = 'mcp-session-id'

interface ServedTool {
  name: string
  description: string
  inputSchema: JsonObject
  /** Argument renames a changed schema introduced: new name -> the tool's own name. */
  renamed: Record<string, string>
}

interface ServerState {
  tools: Map<string, ServedTool>
  sessions: Set<string>
  sessionsOpened: number
  /** Bearer tokens that expired mid-session. */
  expiredTokens: Set<string>
}

const states = new WeakMap<TaskEnvironment, Map<string, ServerState>>()

function stateOf(environment: TaskEnvironment, server: string): ServerState | undefined {
  let servers = states.get(environment)
  if (!servers) {
    servers = new Map()
    states.set(environment, servers)
  }
  const existing = servers.get(server)
  if (existing) return existing
  const spec = Object.hasOwn(environment.mcpServers, server) ? environment.mcpServers[server] : undefined
  if (!spec || spec.url !== undefined) return undefined
  const tools = new Map<string, ServedTool>()
  for (const name of spec.tools ?? []) {
    const declared = environment.declaredTool(name)
    const { description, inputSchema } = isBuiltinTool(name)
      ? builtinToolSchema(name)
      : { description: declared?.description ?? `The tool ${name}.`, inputSchema: declared?.input_schema ?? { type: 'object' } }
    tools.set(name, { name, description, inputSchema: structuredClone(inputSchema), renamed: {} })
  }
  const state: ServerState = { tools, sessions: new Set(), sessionsOpened: 0, expiredTokens: new Set() }
  servers.set(server, state)
  return state
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

const rpcResult = (id: RpcId, result: unknown) => ({ jsonrpc: '2.0', id, result })
const rpcError = (id: RpcId, code: number, message: string) => ({ jsonrpc: '2.0', id, error: { code, message } })

function sse(messages: unknown[], headers: Record<string, string> = {}): Response {
  const text = messages.map((message) => `event: message\ndata: ${JSON.stringify(message)}\n\n`).join('')
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers } })
}

/** Answers one request to the simulated MCP server `server` of the task. */
export async function serveMcpRequest(environment: TaskEnvironment, server: string, request: Request): Promise<Response> {
  const state = stateOf(environment, server)
  if (!state) return json(rpcError(null, -32600, `no simulated MCP server named "${server}" in this scenario`), 404)
  const session = request.headers.get(sessionHeader) ?? undefined
  if (request.method === 'GET') return new Response(null, { status: 405, headers: { allow: 'POST, DELETE' } })
  if (request.method === 'DELETE') {
    if (session === undefined || !state.sessions.delete(session)) return json(rpcError(null, -32001, 'Session not found'), 404)
    return new Response(null, { status: 200 })
  }
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'GET, POST, DELETE' } })

  let message: unknown
  try {
    message = await request.json()
  } catch {
    return json(rpcError(null, -32700, 'Parse error'), 400)
  }
  if (!message || typeof message !== 'object' || Array.isArray(message)) return json(rpcError(null, -32600, 'Invalid Request: one JSON-RPC message per POST'), 400)
  const { id, method, params } = message as { id?: RpcId; method?: unknown; params?: unknown }

  if (method === 'initialize') {
    const opened = `awrr-${server}-${++state.sessionsOpened}`
    state.sessions.add(opened)
    const asked = (params as JsonObject | undefined)?.['protocolVersion']
    const protocolVersion = typeof asked === 'string' && supportedVersions.includes(asked) ? asked : supportedVersions[0]
    return json(
      rpcResult(id ?? null, { protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: server, version: '1.0.0' } }),
      200,
      { [sessionHeader]: opened },
    )
  }
  if (session === undefined) return json(rpcError(null, -32000, 'Bad Request: Mcp-Session-Id header is required'), 400)
  if (!state.sessions.has(session)) return json(rpcError(null, -32001, 'Session not found'), 404)
  const token = bearerToken(request)
  if (token !== undefined && state.expiredTokens.has(token)) return unauthorized()
  // Notifications and responses from the client get no answer.
  if (id === undefined || typeof method !== 'string') return new Response(null, { status: 202 })

  switch (method) {
    case 'ping':
      return json(rpcResult(id, {}))
    case 'tools/list':
      return json(rpcResult(id, { tools: [...state.tools.values()].map(({ name, description, inputSchema }) => ({ name, description, inputSchema })) }))
    case 'tools/call':
      return callTool(environment, server, state, session, token, id, params as JsonObject | undefined, request.signal)
    default:
      return json(rpcError(id, -32601, `Method not found: ${method}`))
  }
}

async function callTool(
  environment: TaskEnvironment,
  server: string,
  state: ServerState,
  session: string,
  token: string | undefined,
  id: RpcId,
  params: JsonObject | undefined,
  signal: AbortSignal,
): Promise<Response> {
  const name = params?.['name']
  const tool = typeof name === 'string' ? state.tools.get(name) : undefined
  if (!tool) return json(rpcError(id, -32602, `Unknown tool: ${String(name)}`))
  const given = params?.['arguments']
  const args: JsonObject = given && typeof given === 'object' && !Array.isArray(given) ? { ...(given as JsonObject) } : {}
  const missing = requiredOf(tool.inputSchema).filter((key) => !Object.hasOwn(args, key))
  if (missing.length > 0) return json(rpcError(id, -32602, `Invalid arguments for tool ${tool.name}: missing required ${missing.map((key) => `"${key}"`).join(', ')}`))
  for (const [renamed, original] of Object.entries(tool.renamed)) {
    if (!Object.hasOwn(args, renamed)) continue
    args[original] = args[renamed]
    delete args[renamed]
  }

  const target = `mcp ${server}/${tool.name}`
  const injected = environment.decideFault(tool.name)
  if (injected && isMcpFaultType(injected.fault.type)) {
    const wire = mcpFaultWire({ ...injected.fault, type: injected.fault.type })
    const sideEffect = isBuiltinTool(tool.name) ? builtinToolSpecs[tool.name].sideEffect : environment.declaredTool(tool.name)?.side_effect === true
    const renewable = wire.kind === 'token_expired' ? { renewable: true as const } : {}
    const open = environment.openCall({ tool: tool.name, target, sideEffect, injected, ...renewable })
    switch (wire.kind) {
      case 'tool_error':
        environment.closeCall(open.call, { status: 200, result: 'http_error' })
        return json(rpcResult(id, { content: [{ type: 'text', text: wire.text }], isError: true }))
      case 'rpc_error':
        environment.closeCall(open.call, { status: 200, result: 'http_error' })
        return json(rpcError(id, wire.code, wire.message))
      case 'session_expired':
        state.sessions.delete(session)
        environment.closeCall(open.call, { status: 404, result: 'http_error' })
        return json(rpcError(null, -32001, 'Session not found'), 404)
      case 'token_expired':
        if (token !== undefined) state.expiredTokens.add(token)
        environment.closeCall(open.call, { status: 401, result: 'http_error' })
        return unauthorized()
      case 'tools_changed': {
        changeSchema(tool, wire.inputSchema)
        environment.closeCall(open.call, { status: 200, result: 'http_error' })
        const stillMissing = requiredOf(tool.inputSchema).filter((key) => !Object.hasOwn(given && typeof given === 'object' ? (given as JsonObject) : {}, key))
        return sse([
          { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
          rpcError(id, -32602, `Invalid arguments for tool ${tool.name}: its input schema changed${stillMissing.length ? `; missing required ${stillMissing.map((key) => `"${key}"`).join(', ')}` : ''}`),
        ])
      }
    }
  }

  const answer = await environment.serve({ tool: tool.name, step: undefined, purpose: 'step', args, idempotencyKey: undefined, signal, decided: injected ?? null, target })
  if (answer.kind === 'network') return Response.error()
  // A fault of the HTTP layer is the HTTP answer to the POST (a 503 from the gateway in front).
  if (injected && answer.status >= 400) return json(answer.body, answer.status, withoutWorldHash(answer.headers))
  const body = answer.body as { ok?: unknown; result?: unknown; error?: unknown } | undefined
  if (answer.status >= 400) {
    return json(rpcResult(id, { content: [{ type: 'text', text: JSON.stringify(body?.error ?? body) }], isError: true }))
  }
  const result = body && typeof body === 'object' && 'result' in body ? body.result : body
  return json(
    rpcResult(id, {
      content: [{ type: 'text', text: JSON.stringify(result) }],
      ...(result && typeof result === 'object' && !Array.isArray(result) ? { structuredContent: result } : {}),
      isError: false,
    }),
  )
}

/**
 * The tool's input schema changes: to the fault's `body` when it gives one, otherwise its first
 * required argument is renamed `<name>_v2` (the server maps it back: only the interface changed).
 */
function changeSchema(tool: ServedTool, replacement: JsonObject | undefined): void {
  if (replacement) {
    tool.inputSchema = structuredClone(replacement)
    return
  }
  const schema = tool.inputSchema
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>
  const required = requiredOf(schema)
  const target = required[0] ?? Object.keys(properties)[0]
  if (target === undefined) {
    tool.inputSchema = { ...schema, properties: { ...properties, confirm: { type: 'boolean', description: 'Must be true' } }, required: ['confirm'] }
    return
  }
  const renamed = `${target}_v2`
  const { [target]: moved, ...others } = properties
  tool.inputSchema = { ...schema, properties: { ...others, [renamed]: moved ?? {} }, required: [...required.filter((key) => key !== target), renamed] }
  tool.renamed[renamed] = tool.renamed[target] ?? target
}

function requiredOf(schema: JsonObject): string[] {
  const required = schema['required']
  return Array.isArray(required) ? required.filter((key): key is string => typeof key === 'string') : []
}

function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization')
  return header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : undefined
}

function unauthorized(): Response {
  return json({ error: 'invalid_token', error_description: 'The access token expired' }, 401, {
    'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
  })
}

function withoutWorldHash(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key !== 'x-world-hash'))
}
