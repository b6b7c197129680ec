import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startModelServer, type ModelServer } from '../examples/llm-agent/model-server.ts'
import { cleanOutput, fixturePath, runShellCommand, runVitest } from './run-vitest.ts'

// Record an openai-SDK agent's model calls against a local OpenAI-shaped server, with a key in
// the environment, and its tool calls against a local shop (a declared real HTTP tool, and the
// success oracle's check); then replay with both servers stopped. The model server echoes the key
// back (in a header and in the body) to check that the cassette scrubs what a leaky endpoint
// returns too.

/** A shop with orders and refunds, and its own log of what reached it. */
async function startShop(): Promise<{ url: string; log: string[]; close(): Promise<void> }> {
  const log: string[] = []
  const refunded = new Map<string, number>()
  const server: Server = createServer(async (request, response) => {
    let body = ''
    for await (const chunk of request) body += chunk
    log.push(`${request.method} ${request.url}`)
    const [, , order, action] = (request.url ?? '').split('/')
    response.setHeader('content-type', 'application/json')
    if (request.method === 'POST' && action === 'refund') {
      refunded.set(order!, (JSON.parse(body) as { amount: number }).amount)
      return response.end(JSON.stringify({ order, refunded: refunded.get(order!) }))
    }
    if (action === 'refund') return response.end(JSON.stringify({ order, refunded: refunded.get(order!) ?? 0 }))
    response.end(JSON.stringify({ order, amount: 40, state: 'shipped' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, log, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

const key = `sk-test-${'k3y'.repeat(8)}-cassette`
const cassettes = ['refund', 'refund-stream'].map((name) => fixturePath('cassette-run', 'scenarios', `${name}.cassette.json`))
const files = ['scenarios/refund.scenario.yaml', 'scenarios/refund-stream.scenario.yaml']
let server: ModelServer | undefined
let url: string
let shop: Awaited<ReturnType<typeof startShop>> | undefined
let shopUrl: string

const removeCassettes = () => {
  for (const file of cassettes) rmSync(file, { force: true })
}

beforeAll(async () => {
  removeCassettes()
  cleanOutput('cassette-run')
  server = await startModelServer({ echoCredentials: true })
  url = server.url
  shop = await startShop()
  shopUrl = shop.url
})

afterAll(async () => {
  await server?.close()
  await shop?.close()
  removeCassettes()
})

const reportText = () => readFileSync(fixturePath('cassette-run', '.awrr', 'report.json'), 'utf8')
const traceOf = (scenario: string) =>
  readFileSync(fixturePath('cassette-run', '.awrr', 'traces', 'order-agent', `scenarios%2F${scenario}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

test('record against a local OpenAI-shaped server writes scrubbed cassettes; replay with the server stopped gives a byte-identical report', { timeout: 120_000 }, async () => {
  const env = { CASSETTE_LLM_URL: url, CASSETTE_SHOP_URL: shopUrl, CASSETTE_OPENAI_KEY: key }
  const recording = await runVitest('cassette-run', files, { ...env, AWRR_RECORD: '1' })
  expect(recording.code, recording.output).toBe(0)
  const answered = server!.log.length
  expect(answered).toBeGreaterThanOrEqual(6)
  expect(server!.log.every((entry) => entry.authorized && entry.path === '/v1/chat/completions')).toBe(true)
  // The shop saw each task's lookup, refund and the oracle's check, once each.
  expect([...shop!.log].sort()).toEqual(['GET /orders/A1', 'GET /orders/A1/refund', 'GET /orders/A2', 'GET /orders/A2/refund', 'POST /orders/A1/refund', 'POST /orders/A2/refund'])
  const recordedReport = reportText()

  for (const file of cassettes) {
    expect(existsSync(file), file).toBe(true)
    const text = readFileSync(file, 'utf8')
    // The key, in every form it could leak in, and the server's address (an allowed variable's value).
    for (const form of [key, encodeURIComponent(`Bearer ${key}`), Buffer.from(key).toString('base64').slice(0, 24), Buffer.from(`Bearer ${key}`).toString('base64').slice(0, 24), url, new URL(url).host, shopUrl, new URL(shopUrl).host]) {
      expect(text.includes(form), `${file} contains ${form}`).toBe(false)
    }
    expect(text).toContain('"authorization": "[redacted]"')
    expect(text).toContain('${env.CASSETTE_LLM_URL}/v1/chat/completions')
    expect(text).toContain('${env.CASSETTE_SHOP_URL}/orders/')
    expect(text).not.toContain('session=local')
  }
  expect(readFileSync(cassettes[0]!, 'utf8')).toContain('"set-cookie": "[redacted]"')
  const cassette = JSON.parse(readFileSync(cassettes[0]!, 'utf8')) as { entries: { episode: string; request: { url: string }; responses: { headers: Record<string, string>; body: string }[] }[] }
  const model = cassette.entries.find((entry) => entry.request.url.endsWith('/chat/completions'))!
  expect(cassette.entries.map((entry) => entry.episode)).toEqual(Array(cassette.entries.length).fill('order-agent refund/main'))
  // The time line names what each point was about (a digest of the request as written), the model's calls included.
  const points = (JSON.parse(readFileSync(cassettes[0]!, 'utf8')) as { timings: { points: [string, number][] }[] }).timings.flatMap((timing) => timing.points.map(([point]) => point))
  expect(points.filter((point) => point.startsWith('model')).length).toBeGreaterThan(0)
  expect(points.filter((point) => !/^(model|model-end|http|http-end) [0-9a-f]{12}$/.test(point))).toEqual([])
  // The echoed key was scrubbed from the body and the echo header, not only from the request.
  expect(model.responses[0]!.body).toContain('"system_fingerprint":"fp for [redacted]"')
  expect(model.responses[0]!.headers['x-echo-authorization']).toBe('[redacted]')

  await server!.close()
  server = undefined
  await shop!.close()
  shop = undefined
  const replay = await runVitest('cassette-run', files, env)
  expect(replay.code, replay.output).toBe(0)
  const replayedReport = reportText()
  // Byte for byte, MTTR included: an agent runs in real time, and the time from the shop's 503 to
  // the refund that got through was the live shop's and model's latency while recording; the
  // replay makes the same calls under the same faults, so it counts the recorded time line.
  expect(replayedReport).toBe(recordedReport)
  expect(JSON.parse(recordedReport).strategies['order-agent'].metrics.mttr_ms).toBeGreaterThan(0)

  // Faults met the replayed traffic as they met the recorded one: before the cassette answered.
  const refund = traceOf('refund')
  // The replay was the recording's run at every point of its time line (it never parted from it).
  expect([...refund, ...traceOf('refund-stream')].filter((event) => event.type === 'cassette:timing')).toEqual([])
  expect(refund.filter((event) => event.type === 'fault:injected').map((event) => event.faultType)).toEqual(['Overloaded', 'Unavailable'])
  const calls = refund.filter((event) => event.type === 'llm:call')
  expect(calls.map((event) => event.status)).toEqual([503, 200, 200, 200])
  expect(calls.slice(1).every((event) => event.replayed === true)).toBe(true)
  // The shop's calls and the oracle's check were answered from the cassette too; the injected 503
  // never reached it (nor, while recording, the shop: its log has one POST).
  const served = refund.filter((event) => event.type === 'tool:serve')
  expect(served.map((event) => [event.purpose, event.status, event.replayed])).toEqual([
    ['step', 200, true],
    ['step', 503, false],
    ['step', 200, true],
    ['oracle', 200, true],
  ])
  const stream = traceOf('refund-stream')
  expect(stream.filter((event) => event.type === 'fault:injected').map((event) => event.faultType).sort()).toEqual(['MalformedToolArgs', 'StreamCut'])
  expect(stream.filter((event) => event.type === 'llm:call').map((event) => event.status)).toContain('cut')
  const report = JSON.parse(replayedReport)
  const agent = report.strategies['order-agent']
  expect(agent.tasks.map((task: { outcome: string }) => task.outcome)).toEqual(['completed', 'completed'])
  // Tokens are the recorded usage; the price table makes them a cost.
  expect(agent.metrics.tokens).toBeGreaterThan(0)
  expect(agent.metrics.cost_usd).toBeGreaterThan(0)
})

test('a request the cassette does not have fails the task, naming the request and the command that records it again', { timeout: 120_000 }, async () => {
  const env = { CASSETTE_LLM_URL: url, CASSETTE_SHOP_URL: shopUrl, CASSETTE_OPENAI_KEY: key, CASSETTE_SYSTEM_PROMPT: 'You refund shipped orders, politely.' }
  const run = await runVitest('cassette-run', [files[0]!], env)
  expect(run.code, run.output).toBe(1)
  expect(run.output).toContain(
    'The cassette "scenarios/refund.cassette.json" has no recorded answer for POST ${env.CASSETTE_LLM_URL}/v1/chat/completions in order-agent refund/main',
  )
  const command = 'AWRR_RECORD=1 npx vitest run scenarios/refund.scenario.yaml'
  expect(run.output).toContain(`Record it again: ${command}`)
  expect(run.output).not.toContain(key)
  const report = JSON.parse(reportText())
  expect(report.strategies['order-agent'].tasks[0]).toMatchObject({ outcome: 'failed', reason: 'cassette_miss' })

  // The printed command, run as printed, records the changed agent; a replay then passes.
  server = await startModelServer({ echoCredentials: true })
  shop = await startShop()
  const rerecord = await runShellCommand('cassette-run', command, { ...env, CASSETTE_LLM_URL: server.url, CASSETTE_SHOP_URL: shop.url })
  expect(rerecord.code, rerecord.output).toBe(0)
  await server.close()
  server = undefined
  await shop.close()
  shop = undefined
  const replay = await runVitest('cassette-run', [files[0]!], env)
  expect(replay.code, replay.output).toBe(0)
})
