import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { anthropicMessages } from '../llm/anthropic-messages.ts'
import { encodeSse } from '../llm/model-endpoint.ts'
import type { ModelReply, ModelRequest, ProviderWire } from '../llm/model-wire.ts'
import { openaiChat } from '../llm/openai-chat.ts'
import { openaiResponses } from '../llm/openai-responses.ts'
import { mergeIntoCassette, readCassette } from './cassette-file.ts'
import { cassetteRequest, requestKey } from './request-key.ts'
import { scrubHeaders, secretValuesOf } from './scrub-secrets.ts'
import { cassetteModeOf, ownTimeTolerance, rerecordCommand, TaskCassette } from './task-cassette.ts'

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'awrr-cassette-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const context = { envVars: [['LLM_URL', 'http://127.0.0.1:4123'], ['LLM_HOST', '127.0.0.1']] as [string, string][], secrets: ['sk-secret-value', 'http://127.0.0.1:4123', '127.0.0.1'] }

describe('request keys', () => {
  it('match on method, URL as written and the body whatever its key order or spacing, never on a secret', () => {
    const a = cassetteRequest('post', 'http://127.0.0.1:4123/v1/chat/completions', '{"model":"m","messages":[{"role":"user","content":"hi"}]}', context)
    const b = cassetteRequest('POST', 'http://127.0.0.1:4123/v1/chat/completions', '{ "messages": [ { "content": "hi", "role": "user" } ], "model": "m" }', context)
    expect(a.url).toBe('${env.LLM_URL}/v1/chat/completions')
    expect(requestKey(a)).toBe(requestKey(b))
    const other = cassetteRequest('POST', 'http://127.0.0.1:4123/v1/chat/completions', '{"model":"m","messages":[{"role":"user","content":"hello"}]}', context)
    expect(requestKey(other)).not.toBe(requestKey(a))
    const leaky = cassetteRequest('POST', 'http://127.0.0.1:4123/v1/x?key=sk-secret-value', '{"note":"sk-secret-value"}', context)
    expect(JSON.stringify(leaky)).not.toContain('sk-secret-value')
  })

  it('scrub credential headers whole, and a credential value wherever else it appears', () => {
    const headers = new Headers({ authorization: 'Bearer sk-abc-123456', 'x-api-key': 'k-999999', cookie: 'a=b', 'x-echo': 'got sk-abc-123456', 'content-type': 'application/json' })
    const secrets = secretValuesOf(headers, [])
    expect(scrubHeaders(headers, secrets)).toEqual({ authorization: '[redacted]', 'content-type': 'application/json', cookie: '[redacted]', 'x-api-key': '[redacted]', 'x-echo': 'got [redacted]' })
  })
})

describe('cassette files', () => {
  const request = (content: string) => ({ ...cassetteRequest('POST', 'http://127.0.0.1:4123/v1/chat/completions', JSON.stringify({ content }), context), headers: {} })
  const response = (body: string) => ({ status: 200, headers: { 'content-type': 'application/json' }, body })

  it('merge answers per episode and occurrence, replacing what was recorded before, in a stable order', async () => {
    const file = path.join(tempDir(), 'x.cassette.json')
    await mergeIntoCassette(file, [{ episode: 'a t/1', request: request('b'), occurrence: 0, response: response('old') }], 'cmd')
    await mergeIntoCassette(
      file,
      [
        { episode: 'a t/1', request: request('b'), occurrence: 0, response: response('new') },
        { episode: 'a t/1', request: request('b'), occurrence: 1, response: response('second') },
        { episode: 'a t/0', request: request('b'), occurrence: 0, response: response('other task') },
      ],
      'cmd',
    )
    const entries = [...readCassette(file).entries.values()]
    expect(entries.map((entry) => [entry.episode, entry.responses.map((answer) => answer.body)])).toEqual([
      ['a t/0', ['other task']],
      ['a t/1', ['new', 'second']],
    ])
    expect(JSON.parse(readFileSync(file, 'utf8')).recorded_with).toBe('cmd')
  })

  it('refuse a file that is not a cassette, naming it', () => {
    const file = path.join(tempDir(), 'bad.cassette.json')
    rmSync(file, { force: true })
    expect(readCassette(file).entries.size).toBe(0)
    writeFileSync(file, '{"version":2,"entries":[]}')
    expect(() => readCassette(file, 'scenarios/bad.cassette.json')).toThrow(/The cassette "scenarios\/bad.cassette.json" is not a version-1 cassette: version/)
  })

  it('replay the n-th answer to the n-th identical request, the last one after that, and name a missing request with the command that records it', async () => {
    const file = path.join(tempDir(), 'x.cassette.json')
    await mergeIntoCassette(
      file,
      [0, 1].map((occurrence) => ({ episode: 'agent s/main', request: request('q'), occurrence, response: response(`answer ${occurrence}`) })),
      'cmd',
    )
    const cassette = new TaskCassette({ file, displayFile: 'scenarios/x.cassette.json', scenarioFile: 'scenarios/x.scenario.yaml', episode: 'agent s/main', plan: 'p1', mode: 'replay', envVars: context.envVars })
    const ask = (content: string) => cassette.answer('POST', 'http://127.0.0.1:4123/v1/chat/completions', new Headers(), JSON.stringify({ content }), new AbortController().signal)
    const bodies = []
    for (let i = 0; i < 3; i++) {
      const answer = await ask('q')
      bodies.push(answer.kind === 'answer' ? answer.response.body : answer.kind)
    }
    expect(bodies).toEqual(['answer 0', 'answer 1', 'answer 1'])
    const missing = await ask('changed')
    expect(missing).toMatchObject({ kind: 'missing' })
    expect(cassette.misses).toEqual([
      '[awrr] The cassette "scenarios/x.cassette.json" has no recorded answer for POST ${env.LLM_URL}/v1/chat/completions in agent s/main ' +
        '(the agent sent a request that was never recorded: the agent, its prompt or the scenario changed since). Record it again: AWRR_RECORD=1 npx vitest run scenarios/x.scenario.yaml',
    ])
  })

  describe('time lines', () => {
    const url = 'http://127.0.0.1:4123/orders/A1'
    const options = (file: string, plan: string, mode: 'record' | 'replay', fetchReal?: (request: Request) => Promise<Response>) =>
      new TaskCassette({ file, displayFile: 'scenarios/t.cassette.json', scenarioFile: 'scenarios/t.scenario.yaml', episode: 'agent s/main', plan, mode, envVars: context.envVars, ...(fetchReal ? { fetchReal } : {}) })
    const shop = async () => Response.json({ order: 'A1' })
    /** One run: the agent works 12.3 ms, calls the shop (250 ms in flight), then waits 400 ms and calls the model. */
    const run = async (cassette: TaskCassette, gaps: [work: number, call: number, wait: number], shopUrl = url) => [
      cassette.wallGap('model', 'POST x', gaps[0]),
      cassette.wallGap('http', `GET ${shopUrl}`, 0.0004),
      (await cassette.answer('GET', shopUrl, new Headers(), '', new AbortController().signal)).kind,
      cassette.wallGap('http-end', `GET ${shopUrl}`, gaps[1]),
      cassette.wallGap('model', 'POST x', gaps[2]),
    ]

    /** A cassette file holding one recorded run under plan p1. */
    const recordedRun = async () => {
      const file = path.join(tempDir(), 't.cassette.json')
      const recording = options(file, 'p1', 'record', shop)
      await run(recording, [12.3456789, 250, 400])
      await recording.flush()
      return file
    }

    it('are kept to the microsecond per episode and plan, with no URL or secret in them, and the recording counts what it keeps', async () => {
      const file = path.join(tempDir(), 't.cassette.json')
      const recorded = options(file, 'p1', 'record', shop)
      expect(await run(recorded, [12.3456789, 250, 400])).toEqual([12.346, 0, 'answer', 250, 400])
      await recorded.flush()
      const again = options(file, 'p2', 'record', shop)
      await run(again, [1, 2, 3])
      await again.flush()
      const timings = JSON.parse(readFileSync(file, 'utf8')).timings as { plan: string; points: [string, number][] }[]
      expect(timings.map((timing) => [timing.plan, timing.points.map(([, gap]) => gap)])).toEqual([['p1', [12.346, 0, 250, 400]], ['p2', [1, 0, 2, 3]]])
      expect(timings[0]!.points.map(([point]) => point.split(' ')[0])).toEqual(['model', 'http', 'http-end', 'model'])
      expect(readFileSync(file, 'utf8')).not.toContain('127.0.0.1')
    })

    it("a replay of the same run counts the recording's gaps: a call's latency always, its own time while within the tolerance", async () => {
      const file = await recordedRun()
      // The shop answered at once, the agent's own work and wait were a little off: the recording's time.
      const replay = options(file, 'p1', 'replay')
      expect(await run(replay, [180, 0.02, 590])).toEqual([12.346, 0, 'answer', 250, 400])
      expect(replay.takeDivergence()).toBeUndefined()
      expect(ownTimeTolerance(400)).toBe(200)
      expect(ownTimeTolerance(10)).toBe(200)
    })

    it('a replay that waits otherwise, calls something else or runs under another plan counts its own time, and says where it parted', async () => {
      const file = await recordedRun()
      // The agent dropped its 400 ms wait: the same calls, but not the same run.
      const quicker = options(file, 'p1', 'replay')
      expect(await run(quicker, [12, 0.02, 3])).toEqual([12.346, 0, 'answer', 250, 3])
      expect(quicker.takeDivergence()).toMatchObject({ point: 3, recordedMs: 400, measuredMs: 3 })
      expect(quicker.takeDivergence()).toBeUndefined()
      // Another request at the same kind of point: its own time from there on, even where points agree again.
      const other = options(file, 'p1', 'replay')
      const otherUrl = 'http://127.0.0.1:4123/orders/B2'
      expect([other.wallGap('model', 'POST x', 12), other.wallGap('http', `GET ${otherUrl}`, 1), other.wallGap('http-end', `GET ${url}`, 2)]).toEqual([12.346, 1, 2])
      expect(other.takeDivergence()).toMatchObject({ point: 1, measuredMs: 1 })
      const otherPlan = options(file, 'p2', 'replay')
      expect(otherPlan.wallGap('model', 'POST x', 7)).toBe(7)
      expect(otherPlan.takeDivergence()).toMatchObject({ point: 0, expected: null })
    })

    it('a cassette that cannot be read leaves the time line to the wall clock, and the answer says what is wrong', async () => {
      const file = path.join(tempDir(), 't.cassette.json')
      writeFileSync(file, 'not json')
      const replay = options(file, 'p1', 'replay')
      expect(replay.wallGap('model', 'POST x', 5)).toBe(5)
      await expect(replay.answer('GET', url, new Headers(), '', new AbortController().signal)).rejects.toThrow(/is not JSON/)
    })
  })

  it('a recording that cannot reach the endpoint says so naming the request as written, with no secret in the message', async () => {
    const file = path.join(tempDir(), 'x.cassette.json')
    const fetchReal = async (request: Request): Promise<Response> => {
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED at ${request.url} with ${request.headers.get('authorization')}`) })
    }
    const cassette = new TaskCassette({ file, displayFile: 'x.cassette.json', scenarioFile: 'x.scenario.yaml', episode: 'agent s/main', plan: 'p', mode: 'record', envVars: [...context.envVars, ['LLM_KEY', 'sk-secret-value']], fetchReal })
    const failure = cassette.answer('POST', 'http://127.0.0.1:4123/v1/chat/completions?key=sk-secret-value', new Headers({ authorization: 'Bearer sk-other-secret' }), '{}', new AbortController().signal)
    await expect(failure).rejects.toThrow('[awrr] Recording POST ${env.LLM_URL}/v1/chat/completions?key=${env.LLM_KEY} failed: fetch failed: connect ECONNREFUSED at [redacted]')
    const message = await failure.catch((error: Error) => error.message)
    for (const secret of ['sk-secret-value', 'sk-other-secret', '127.0.0.1']) expect(message).not.toContain(secret)
  })

  it('record only when asked: AWRR_RECORD=1, or record: true outside CI', () => {
    expect(cassetteModeOf(undefined, {})).toBe('replay')
    expect(cassetteModeOf(true, {})).toBe('record')
    expect(cassetteModeOf(true, { CI: 'true' })).toBe('replay')
    expect(cassetteModeOf(undefined, { CI: 'true', AWRR_RECORD: '1' })).toBe('record')
    expect(cassetteModeOf(true, { AWRR_RECORD: '0' })).toBe('record')
    expect(rerecordCommand("scenarios/it's.scenario.yaml")).toBe(`AWRR_RECORD=1 npx vitest run "scenarios/it's.scenario.yaml"`)
  })
})

describe('recorded answers read back', () => {
  const reply: ModelReply = {
    id: 'id-1',
    model: 'gpt-4o-mini',
    text: 'Refunded order A1 in full.',
    toolCalls: [{ id: 'call_1', name: 'issue_refund', arguments: '{"order":"A1","amount":40}' }],
    refusal: null,
    finish: 'tool_calls',
    usage: { input: 120, output: 18 },
  }
  const request = (wire: ProviderWire): ModelRequest => ({ api: wire.api, model: 'gpt-4o-mini', stream: true, includeUsage: true, messages: [], tools: ['issue_refund'], promptText: '' })
  const wires = { chat: openaiChat, responses: openaiResponses, messages: anthropicMessages }

  for (const [name, wire] of Object.entries(wires)) {
    it(`${name}: as JSON and as a stream, with text, tool calls, finish reason and usage`, () => {
      const json = JSON.stringify(wire.renderJson(reply, 0))
      const stream = wire.renderEvents(reply, request(wire), 0).map(encodeSse).join('')
      for (const parsed of [wire.parseReply(json, false), wire.parseReply(stream, true)]) {
        expect(parsed).toMatchObject({ text: reply.text, finish: 'tool_calls', usage: reply.usage })
        expect(parsed!.toolCalls.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([['issue_refund', { order: 'A1', amount: 40 }]])
      }
      expect(wire.parseReply('not json', false)).toBeUndefined()
    })
  }
})
