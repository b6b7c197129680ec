import { appendFileSync, mkdirSync } from 'node:fs'
import { type ToolResponse, toolClients } from './tool-clients.ts'

/**
 * What the two agents share: their input, their tools (called with the HTTP client the scenario
 * names) and a notebook of what each client saw, so the test can check that injected faults
 * reached the client as the client's own error or status.
 */

/** What AWRR hands an agent as `ctx`. */
export interface AgentContext {
  agent: string
  scenario: string
  task: string
  input: unknown
  random(): number
  clock: { now(): number; sleep(ms: number): Promise<void> }
  signal: AbortSignal
}

export interface TripInput {
  city: string
  /** Which client calls the tools: a key of `toolClients`. */
  client: string
}

/** One thing a client saw: an answer with its status, or the error it threw, by class and code. */
export interface Note {
  agent: string
  scenario: string
  client: string
  tool: string
  status?: number
  error?: { class: string; name: string; code: string | null; message: string }
  answer?: string
  /** Wall-clock ms the client call took, from the call to its answer or error. */
  elapsedMs?: number
}

export function note(entry: Note): void {
  mkdirSync('.awrr', { recursive: true })
  appendFileSync('.awrr/client-notes.jsonl', JSON.stringify(entry) + '\n')
}

export function describeError(error: unknown): NonNullable<Note['error']> {
  if (!(error instanceof Error)) return { class: typeof error, name: typeof error, code: null, message: String(error) }
  const code = (error as { code?: unknown }).code
  return { class: error.constructor.name, name: error.name, code: typeof code === 'string' ? code : null, message: error.message }
}

export function modelUrl(): string {
  const url = process.env['MODEL_URL']
  if (!url) throw new Error('MODEL_URL is not set: global-setup.ts starts the model server and sets it.')
  return url
}

function toolsUrl(): string {
  const url = process.env['TOOLS_URL']
  if (!url) throw new Error('TOOLS_URL is not set: global-setup.ts starts the tools server and sets it.')
  return url
}

/** Headers that let the services' own logs say which agent and scenario a request came from. */
export const whoHeaders = (ctx: AgentContext) => ({ 'x-agent': ctx.agent, 'x-scenario': ctx.scenario })

/**
 * The SDK's fetch, noting each status it got: the SDK's own retries happen inside `create()`, so
 * this is where they show. Passed as the SDK's `fetch` option; the global fetch underneath.
 */
export function observedFetch(ctx: AgentContext, tool: string): typeof fetch {
  const client = tool
  return async (url, init) => {
    try {
      const response = await fetch(url, init)
      note({ agent: ctx.agent, scenario: ctx.scenario, client, tool, status: response.status })
      return response
    } catch (error) {
      note({ agent: ctx.agent, scenario: ctx.scenario, client, tool, error: describeError(error) })
      throw error
    }
  }
}

/** The model call, noting the SDK's own error class when it gives up (after its own retries). */
export async function askModel<T>(ctx: AgentContext, sdk: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    note({ agent: ctx.agent, scenario: ctx.scenario, client: sdk, tool: 'gave_up', error: describeError(error) })
    throw error
  }
}

export class ToolGaveUp extends Error {
  override readonly name = 'ToolGaveUp'
}

const attempts = 3

/**
 * Calls a tool with the scenario's client, up to three attempts with a short backoff (on AWRR's
 * clock, so it costs no wall time). A booking keeps its Idempotency-Key across attempts, so a retry
 * after a timeout cannot book twice. Returns the tool's answer as text for the model.
 */
export async function runTool(ctx: AgentContext, tool: string, args: { city: string }): Promise<string> {
  const { client } = ctx.input as TripInput
  const call = toolClients[client]
  if (!call) throw new Error(`unknown client ${client}`)
  const headers = { ...whoHeaders(ctx), 'x-client': client }
  const request =
    tool === 'get_weather'
      ? { method: 'GET' as const, url: `${toolsUrl()}/weather?city=${encodeURIComponent(args.city)}`, headers }
      : { method: 'POST' as const, url: `${toolsUrl()}/bookings`, headers: { ...headers, 'idempotency-key': `${ctx.agent}/${ctx.scenario}/book` }, body: { city: args.city } }
  let last = ''
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: ToolResponse
    const startedAt = performance.now()
    const elapsedMs = () => Math.round(performance.now() - startedAt)
    try {
      response = await call(request)
    } catch (error) {
      const described = describeError(error)
      note({ agent: ctx.agent, scenario: ctx.scenario, client, tool, error: described, elapsedMs: elapsedMs() })
      last = `${described.class} ${described.message}`
      await ctx.clock.sleep(100 * attempt)
      continue
    }
    note({ agent: ctx.agent, scenario: ctx.scenario, client, tool, status: response.status, elapsedMs: elapsedMs() })
    if (response.status < 300) return JSON.stringify(response.body)
    last = `status ${response.status}`
    if (response.status < 500 && response.status !== 429) break
    await ctx.clock.sleep(100 * attempt)
  }
  throw new ToolGaveUp(`${tool} with ${client} gave up: ${last}`)
}
