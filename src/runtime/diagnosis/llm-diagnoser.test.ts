import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { delay, http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import type { Observation } from '../strategies/recovery-strategy.ts'
import { observation } from '../strategies/test-fixtures.ts'
import { closeToolServer, ensureToolServer } from '../interception/index.ts'
import type { DiagnosisInput, Diagnoser } from './diagnoser.ts'
import { heuristicDiagnoser } from './heuristic-diagnoser.ts'
import { AwrrLlmDiagnoserError, llmDiagnoser, type LlmDiagnoserOptions } from './llm-diagnoser.ts'

/** A recorded answer of an OpenAI-compatible endpoint, as stored under `fixtures/llm/`. */
interface RecordedAnswer {
  description: string
  status?: number
  headers?: Record<string, string>
  /** Held this long (wall clock) or until the test releases it. */
  delayMs?: number
  /** The connection drops instead of answering. */
  network?: boolean
  /** `{{authorization}}` anywhere in it is replaced by the request's Authorization header. */
  body?: unknown
}

const fixturesDir = fileURLToPath(new URL('../../../fixtures/llm/', import.meta.url))
const fixtureNames = readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.slice(0, -'.json'.length))
  .sort()
const recorded = (name: string): RecordedAnswer => JSON.parse(readFileSync(`${fixturesDir}${name}.json`, 'utf8')) as RecordedAnswer

const baseUrl = 'https://llm.awrr.test/v1'
const secret = 'sk-awrr-TEST-9f86d081884c7d659a2feaa0c55ad015'

function echoAuthorization(node: unknown, authorization: string): unknown {
  if (typeof node === 'string') return node.split('{{authorization}}').join(authorization)
  if (Array.isArray(node)) return node.map((child) => echoAuthorization(child, authorization))
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, echoAuthorization(child, authorization)]))
  }
  return node
}

interface SeenRequest {
  url: string
  headers: Record<string, string>
  body: Record<string, unknown>
}

let answering: RecordedAnswer = recorded('transient-retry')
let seen: SeenRequest[] = []
/** Lets a held (slow) answer go when its test is over, so no handler outlives the test. */
let release = new AbortController()

const server = setupServer(
  http.post(`${baseUrl}/chat/completions`, async ({ request }) => {
    const headers: Record<string, string> = {}
    request.headers.forEach((value, name) => {
      headers[name] = value
    })
    seen.push({
      url: request.url,
      headers,
      body: (await request.json()) as Record<string, unknown>,
    })
    const fixture = answering
    if (fixture.delayMs !== undefined) {
      const released = release.signal
      await Promise.race([delay(fixture.delayMs), new Promise((resolve) => released.addEventListener('abort', resolve, { once: true }))])
    }
    if (fixture.network) return HttpResponse.error()
    const body = echoAuthorization(fixture.body, request.headers.get('authorization') ?? '')
    return HttpResponse.json(body as Record<string, unknown>, { status: fixture.status ?? 200, headers: fixture.headers ?? {} })
  }),
)

/** The heuristic rules, counting how often the LLM client had to fall back on them. */
function countingFallback(): Diagnoser & { calls: number } {
  const rules = heuristicDiagnoser()
  const fallback = {
    name: 'counting-heuristic',
    calls: 0,
    diagnose(input: DiagnosisInput) {
      fallback.calls++
      return rules.diagnose(input)
    },
  }
  return fallback
}

function input(fields: Partial<Observation> = {}, history: Observation[] = []): DiagnosisInput {
  const current = observation(fields)
  return { observation: current, history, attempt: current.attempt }
}

const overloaded = () => input({ status: 503, headers: { 'retry-after': '2' }, errorCode: 'unavailable', body: { ok: false, error: { code: 'unavailable', message: 'try later' } } })

function setup(overrides: Partial<LlmDiagnoserOptions> = {}) {
  const fallback = countingFallback()
  const diagnoser = llmDiagnoser({ baseUrl, model: 'gpt-4o-mini', timeoutMs: 2_000, fallback, ...overrides })
  return { diagnoser, fallback }
}

describe('llmDiagnoser against recorded answers', () => {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  beforeEach(() => {
    seen = []
    release = new AbortController()
    vi.stubEnv('AWRR_LLM_API_KEY', secret)
  })
  afterEach(() => {
    release.abort()
    vi.unstubAllEnvs()
  })
  afterAll(() => server.close())

  test.each([
    ['transient-retry', overloaded(), { layer: 'transient', action: 'retry', confidence: 0.86 }],
    ['cascade-rollback', input({ status: 409, errorCode: 'conflict', worldHash: 'bbbbbbbb' }), { layer: 'cascade', action: 'rollback', confidence: 0.8 }],
  ] as const)('%s: the model answers, validated, with source llm', async (name, failure, verdict) => {
    answering = recorded(name)
    const { diagnoser, fallback } = setup()
    const result = await diagnoser.diagnose(failure)
    expect(result).toMatchObject({ ...verdict, source: 'llm' })
    expect(result.rationale.length).toBeGreaterThan(0)
    expect(result).not.toHaveProperty('fallbackReason')
    expect(fallback.calls).toBe(0)
    expect(seen).toHaveLength(1)
  })

  test.each([
    ['malformed-json', { code: 'unparseable_answer' }],
    ['not-a-completion', { code: 'malformed_response' }],
    ['rate-limited', { code: 'rate_limited', status: 429, retryAfter: '20' }],
    ['server-error', { code: 'server_error', status: 500, message: 'The server had an error while processing your request. Sorry about that!' }],
    ['connection-reset', { code: 'network_error' }],
  ] as const)('%s: falls back to the rules and says why', async (name, reason) => {
    answering = recorded(name)
    const { diagnoser, fallback } = setup()
    const failure = overloaded()
    const result = await diagnoser.diagnose(failure)
    const rules = await heuristicDiagnoser().diagnose(failure)
    expect(result).toEqual({ ...rules, fallbackReason: expect.objectContaining(reason) })
    expect(result.source).toBe('diagnoser')
    expect(fallback.calls).toBe(1)
  })

  test('an answer that breaks the schema falls back, listing what was wrong', async () => {
    answering = recorded('schema-violation')
    const { diagnoser, fallback } = setup()
    const result = await diagnoser.diagnose(overloaded())
    expect(result.source).toBe('diagnoser')
    expect(fallback.calls).toBe(1)
    expect(result.fallbackReason?.code).toBe('invalid_answer')
    const issues = result.fallbackReason?.code === 'invalid_answer' ? result.fallbackReason.issues.join('\n') : ''
    for (const path of ['layer', 'action', 'confidence', 'suggested_delay_ms']) expect(issues).toContain(path)
  })

  test('a slow answer hits the wall-clock deadline and falls back', async () => {
    answering = recorded('slow')
    const { diagnoser, fallback } = setup({ timeoutMs: 100 })
    const result = await diagnoser.diagnose(overloaded())
    expect(result).toMatchObject({ source: 'diagnoser', fallbackReason: { code: 'timeout', timeoutMs: 100 } })
    expect(fallback.calls).toBe(1)
  })

  test('the request carries model, temperature 0 and json_object, and only what a client observed', async () => {
    answering = recorded('cascade-rollback')
    const { diagnoser } = setup()
    const groundTruth = { faultId: 'F-GROUND-TRUTH-1', faultType: 'Conflict', layer: 'cascade', mode: 'stateful_conflict', fault: { id: 'F-GROUND-TRUTH-1' } }
    // Smuggled at run time past the types, as a careless caller might: none of it may reach the model.
    const current = { ...observation({ status: 409, errorCode: 'conflict', worldHash: 'bbbbbbbb', body: { ok: false, error: { code: 'conflict', message: 'version mismatch' } } }), ...groundTruth }
    const earlier = { ...observation({ status: 409, errorCode: 'conflict', worldHash: 'bbbbbbbb', attempt: 0 }), ...groundTruth }
    await diagnoser.diagnose({ observation: { ...current, attempt: 1 }, history: [earlier], attempt: 1 })

    expect(seen).toHaveLength(1)
    const [request] = seen
    expect(request!.url).toBe(`${baseUrl}/chat/completions`)
    expect(request!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0, response_format: { type: 'json_object' } })
    const messages = request!.body['messages'] as { role: string; content: string }[]
    expect(messages.map((message) => message.role)).toEqual(['system', 'user'])
    for (const word of ['transient', 'persistent', 'semantic', 'cascade', 'retry', 'rollback', 'escalate']) expect(messages[0]!.content).toContain(word)

    const facts = JSON.parse(messages[1]!.content) as Record<string, unknown>
    expect(Object.keys(facts).sort()).toEqual(
      ['attempt', 'error_body', 'headers', 'history', 'result', 'side_effect', 'status', 'step', 'tool', 'world_hash_changed'].sort(),
    )
    expect(facts).toMatchObject({
      tool: 'process_payment',
      step: 2,
      attempt: 1,
      status: 409,
      error_body: { ok: false, error: { code: 'conflict', message: 'version mismatch' } },
      world_hash_changed: true,
      history: { earlier_failures: 1, earlier_failures_of_this_step: 1, identical_failures_of_this_step: 1 },
    })
    const wire = JSON.stringify(request!.body)
    for (const leak of ['F-GROUND-TRUTH-1', 'faultId', 'faultType', 'stateful_conflict', '"layer"', '"mode"']) {
      expect(messages[1]!.content).not.toContain(leak)
    }
    expect(wire).not.toContain('F-GROUND-TRUTH-1')
    expect(wire).not.toContain(secret)
  })

  test('the key is read from the environment at call time and sent only as a Bearer header', async () => {
    answering = recorded('transient-retry')
    const { diagnoser } = setup()
    await diagnoser.diagnose(overloaded())
    vi.stubEnv('AWRR_LLM_API_KEY', 'sk-rotated-key')
    await diagnoser.diagnose(overloaded())
    vi.stubEnv('AWRR_LLM_API_KEY', '')
    await diagnoser.diagnose(overloaded())
    expect(seen.map((request) => request.headers['authorization'])).toEqual([`Bearer ${secret}`, 'Bearer sk-rotated-key', undefined])

    vi.stubEnv('MY_LLM_KEY', 'sk-from-my-var')
    await setup({ apiKeyEnv: 'MY_LLM_KEY' }).diagnoser.diagnose(overloaded())
    expect(seen[3]!.headers['authorization']).toBe('Bearer sk-from-my-var')
  })

  test.each(fixtureNames)('%s: the key appears in no result, reason or rationale, even when echoed', async (name) => {
    answering = recorded(name)
    const { diagnoser } = setup({ timeoutMs: 100 })
    const result = await diagnoser.diagnose(overloaded())
    expect(JSON.stringify(result)).not.toContain(secret)
    expect(JSON.stringify(result)).not.toContain('TEST-9f86d081')
  })

  test('an echoed key is redacted, not dropped: in a model answer and in an error message', async () => {
    answering = recorded('echo-key-answer')
    const { diagnoser } = setup()
    const answered = await diagnoser.diagnose(overloaded())
    expect(answered.source).toBe('llm')
    expect(answered.rationale).toContain('Bearer [redacted]')

    answering = recorded('echo-key-401')
    const rejected = await diagnoser.diagnose(overloaded())
    expect(rejected).toMatchObject({ source: 'diagnoser', fallbackReason: { code: 'http_error', status: 401 } })
    expect(rejected.fallbackReason?.code === 'http_error' && rejected.fallbackReason.message).toContain('Incorrect API key provided: Bearer [redacted]')
  })

  test('a network error whose message carries the key is redacted too', async () => {
    const { diagnoser } = setup({
      fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error(`proxy refused Authorization: Bearer ${secret}`) })),
    })
    const result = await diagnoser.diagnose(overloaded())
    expect(result.fallbackReason).toEqual({ code: 'network_error', message: 'fetch failed: proxy refused Authorization: Bearer [redacted]' })
  })

  test('a trailing slash or a query string on the base URL still reaches /chat/completions', async () => {
    answering = recorded('transient-retry')
    await setup({ baseUrl: `${baseUrl}/` }).diagnoser.diagnose(overloaded())
    await setup({ baseUrl: `${baseUrl}?api-version=2024-10-21` }).diagnoser.diagnose(overloaded())
    expect(seen.map((request) => request.url)).toEqual([`${baseUrl}/chat/completions`, `${baseUrl}/chat/completions?api-version=2024-10-21`])
  })

  test.each([
    [{ baseUrl: 'not a url' }, /baseUrl must be an absolute http\(s\) URL/],
    [{ baseUrl: 'ftp://llm.awrr.test/v1' }, /baseUrl must use http or https/],
    [{ model: ' ' }, /model must be a non-empty model name/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive number/],
  ] as const)('rejects bad options %o', (overrides, message) => {
    let thrown: unknown
    try {
      setup(overrides)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(AwrrLlmDiagnoserError)
    expect((thrown as AwrrLlmDiagnoserError).code).toBe('AWRR_LLM_DIAGNOSER_OPTIONS')
    expect((thrown as Error).message).toMatch(message)
  })
})

/**
 * Inside a scenario run the tool server's interception is meant to reject every request it does
 * not route; a configured endpoint (here a real HTTP server on loopback) must still be reachable.
 */
describe('llmDiagnoser through the tool server interception', () => {
  const servers: Server[] = []
  const received: IncomingHttpHeaders[] = []

  async function listen(answer: unknown): Promise<string> {
    const created = createServer((request, response) => {
      received.push(request.headers)
      request.resume()
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(answer))
      })
    })
    servers.push(created)
    await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(created.address() as AddressInfo).port}`
  }

  beforeAll(() => ensureToolServer())
  beforeEach(() => vi.stubEnv('AWRR_LLM_API_KEY', secret))
  afterEach(() => vi.unstubAllEnvs())
  afterAll(async () => {
    closeToolServer()
    await Promise.all(servers.map((created) => new Promise((resolve) => created.close(resolve))))
  })

  test('the configured origin passes through to the real service', async () => {
    const configured = await listen(recorded('cascade-rollback').body)
    const fallback = countingFallback()
    const diagnoser = llmDiagnoser({ baseUrl: `${configured}/v1`, model: 'local-model', timeoutMs: 5_000, fallback })

    const result = await diagnoser.diagnose(input({ status: 409, errorCode: 'conflict' }))
    expect(result).toMatchObject({ source: 'llm', layer: 'cascade', action: 'rollback' })
    expect(fallback.calls).toBe(0)
    expect(received).toHaveLength(1)
    expect(received[0]!['authorization']).toBe(`Bearer ${secret}`)
  })
})
