import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { beforeAll, describe, expect, it } from 'vitest'
import type { TraceEvent } from '../executor/trace-events.ts'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { ensureToolServer, runInTask } from '../interception/interception.ts'
import { ensureMcpServers } from './mcp-responder.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { mcpServerUrl } from './mcp-origin.ts'

// The simulated MCP server as the official client sees it: @modelcontextprotocol/sdk's Client over
// its Streamable HTTP transport, through the worker's one MSW router.

beforeAll(() => {
  ensureToolServer()
  ensureMcpServers()
})

type FaultFields = Partial<ResolvedFault> & Pick<ResolvedFault, 'type'>
const fault = (fields: FaultFields, index = 0): ResolvedFault => ({ id: `F${index}`, mode: 'once', prob: 1, tool: 'get_record', ...fields })

function task(faults: ResolvedFault[] = []) {
  const events: TraceEvent[] = []
  const env = new TaskEnvironment({
    seed: 42,
    scenario: 'mcp-test',
    task: 'main',
    world: { records: { REC1: { status: 'pending', value: 240 } }, inventory: {} },
    faults,
    clock: createVirtualClock(),
    trace: { emit: (event) => void events.push(event) },
    realTime: true,
    tools: {
      lookup_order: {
        description: 'Looks an order up.',
        input_schema: { type: 'object', properties: { order: { type: 'string' } }, required: ['order'] },
        result: { order: 'A1', state: 'shipped' },
      },
    },
    mcp: { shop: { tools: ['get_record', 'update_record', 'lookup_order'] } },
  })
  return { env, events, inTask: <T>(run: () => Promise<T>) => runInTask(env, run) }
}

async function connect(token = 'token-1') {
  const client = new Client({ name: 'awrr-test', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(mcpServerUrl('shop')), { requestInit: { headers: { authorization: `Bearer ${token}` } } })
  await client.connect(transport)
  return { client, transport }
}

const textOf = (result: object) => (((result as { content?: { text: string }[] }).content ?? [])[0]?.text ?? '')

describe('a simulated MCP server', () => {
  it('initialises a session, lists the scenario’s tools with their JSON Schemas, and serves calls from the world', async () => {
    const { env, events, inTask } = task()
    await inTask(async () => {
      const { client, transport } = await connect()
      expect(transport.sessionId).toBe('awrr-shop-1')
      const { tools } = await client.listTools()
      expect(tools.map((tool) => tool.name)).toEqual(['get_record', 'update_record', 'lookup_order'])
      expect(tools[0]!.inputSchema).toMatchObject({ type: 'object', required: ['record_id'] })
      expect(tools[2]).toMatchObject({ description: 'Looks an order up.', inputSchema: { required: ['order'] } })
      const record = await client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })
      expect(record.isError).toBe(false)
      expect(record.structuredContent).toMatchObject({ record_id: 'REC1', record: { status: 'pending' } })
      await client.callTool({ name: 'update_record', arguments: { record_id: 'REC1', patch: { status: 'approved' } } })
      expect(await client.callTool({ name: 'lookup_order', arguments: { order: 'A1' } })).toMatchObject({ structuredContent: { state: 'shipped' } })
      // A business error of the tool (no such record) is a tool result with isError, not a protocol error.
      const missing = await client.callTool({ name: 'get_record', arguments: { record_id: 'NOPE' } })
      expect(missing.isError).toBe(true)
      expect(textOf(missing)).toContain('not_found')
      await client.close()
    })
    expect(env.world.records['REC1']).toMatchObject({ status: 'approved' })
    expect(env.calls.map((call) => `${call.tool} ${call.result}`)).toEqual(['get_record ok', 'update_record ok', 'lookup_order ok', 'get_record http_error'])
    expect(events.filter((event) => event.type === 'tool:serve')).toHaveLength(4)
  })

  it('rejects a call whose arguments miss a required property with -32602, before any fault is drawn', async () => {
    const { env, inTask } = task([fault({ type: 'HTTP_500' })])
    await inTask(async () => {
      const { client } = await connect()
      await expect(client.callTool({ name: 'get_record', arguments: {} })).rejects.toMatchObject({ code: -32602 })
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toMatchObject({ code: -32602 })
    })
    expect(env.calls).toEqual([])
  })

  it('McpToolError: a result with isError: true', async () => {
    const { env, events, inTask } = task([fault({ type: 'McpToolError', body: 'Error: record store unavailable' })])
    await inTask(async () => {
      const { client } = await connect()
      const result = await client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })
      expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Error: record store unavailable' }] })
      expect((await client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).isError).toBe(false)
    })
    expect(env.calls.map((call) => [call.result, call.faulted])).toEqual([
      ['http_error', true],
      ['ok', false],
    ])
    expect(events.find((event) => event.type === 'fault:injected')).toMatchObject({ faultType: 'McpToolError', layer: 'semantic', tool: 'get_record' })
  })

  it('JsonRpcError: the call rejects with the JSON-RPC code (-32603 by default, -32002 when asked)', async () => {
    const { inTask } = task([fault({ type: 'JsonRpcError' }), fault({ type: 'JsonRpcError', tool: 'lookup_order', code: -32002 }, 1)])
    await inTask(async () => {
      const { client } = await connect()
      await expect(client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).rejects.toMatchObject({ code: -32603 })
      await expect(client.callTool({ name: 'lookup_order', arguments: { order: 'A1' } })).rejects.toMatchObject({ code: -32002 })
    })
  })

  it('SessionExpired: 404 on the session until the client initialises again', async () => {
    const { env, inTask } = task([fault({ type: 'SessionExpired' })])
    await inTask(async () => {
      const first = await connect()
      const error = await first.client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(StreamableHTTPError)
      expect((error as StreamableHTTPError).code).toBe(404)
      // The old session stays gone: no fault now, the server forgot it.
      await expect(first.client.listTools()).rejects.toMatchObject({ code: 404 })
      const second = await connect()
      expect(second.transport.sessionId).toBe('awrr-shop-2')
      expect((await second.client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).isError).toBe(false)
    })
    expect(env.calls.map((call) => [call.status, call.faulted])).toEqual([
      [404, true],
      [200, false],
    ])
  })

  it('TokenExpired: 401 with WWW-Authenticate, and the token stays expired; a new token goes through', async () => {
    const { env, inTask } = task([fault({ type: 'TokenExpired' })])
    await inTask(async () => {
      const old = await connect('token-1')
      await expect(old.client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).rejects.toMatchObject({ code: 401 })
      await expect(old.client.listTools()).rejects.toMatchObject({ code: 401 })
      const renewed = await connect('token-2')
      expect((await renewed.client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).isError).toBe(false)
    })
    expect(env.injected).toEqual([expect.objectContaining({ layer: 'persistent' })])
  })

  it('ToolsChanged: notifications/tools/list_changed, then the old arguments are rejected and the new schema is listed', async () => {
    const { env, inTask } = task([fault({ type: 'ToolsChanged' })])
    await inTask(async () => {
      const { client } = await connect()
      let notified = 0
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void notified++)
      await expect(client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).rejects.toMatchObject({ code: -32602 })
      expect(notified).toBe(1)
      const { tools } = await client.listTools()
      const schema = tools.find((tool) => tool.name === 'get_record')!.inputSchema
      expect(schema.required).toEqual(['record_id_v2'])
      await expect(client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).rejects.toMatchObject({ code: -32602 })
      const result = await client.callTool({ name: 'get_record', arguments: { record_id_v2: 'REC1' } })
      expect(result.structuredContent).toMatchObject({ record_id: 'REC1' })
    })
    expect(env.calls.map((call) => [call.result, call.faulted])).toEqual([
      ['http_error', true],
      ['ok', false],
    ])
  })

  it('faults of the HTTP layer reach the POST itself: a 503 with Retry-After', async () => {
    const { env, inTask } = task([fault({ type: 'Unavailable' })])
    await inTask(async () => {
      const { client } = await connect()
      await expect(client.callTool({ name: 'get_record', arguments: { record_id: 'REC1' } })).rejects.toMatchObject({ code: 503 })
    })
    expect(env.calls[0]).toMatchObject({ status: 503, faulted: true })
  })

  it('GET (no standalone stream) is 405, DELETE ends the session', async () => {
    const { inTask } = task()
    await inTask(async () => {
      const { client, transport } = await connect()
      await transport.terminateSession()
      await expect(client.listTools()).rejects.toMatchObject({ code: 400 })
    })
  })
})
