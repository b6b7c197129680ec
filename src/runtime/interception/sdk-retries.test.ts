import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { ResolvedFault } from '../scenario/task-spec.ts'
import { TaskEnvironment } from '../tools/task-environment.ts'
import { createVirtualClock } from '../virtual-clock.ts'
import { ensureToolServer, runInTask } from './interception.ts'

/** A small model server speaking both wire formats; its log must never show a faulted call. */
const served: { path: string; at: number }[] = []
const model = createServer((request, response) => {
  served.push({ path: request.url ?? '', at: performance.now() })
  request.resume()
  request.on('end', () => {
    response.setHeader('content-type', 'application/json')
    if (request.url?.startsWith('/v1/messages')) {
      response.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'hello' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }))
      return
    }
    response.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }] }))
  })
})
let origin = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(model.address() as AddressInfo).port}`
  ensureToolServer()
})
afterAll(() => new Promise<void>((resolve) => model.close(() => resolve())))

function environment(tool: string, path: string, fault: Partial<ResolvedFault>) {
  return new TaskEnvironment({
    seed: 3, scenario: 'sdk', task: `${tool}-${fault.type}`, world: { records: {}, inventory: {} },
    faults: [{ id: 'F0', tool, mode: 'first_n', times: 1, prob: 1, ...fault } as ResolvedFault],
    clock: createVirtualClock(), trace: { emit: () => {} }, realTime: true,
    tools: { [tool]: { request: { method: 'POST', url: `${origin}${path}` } } },
  })
}

const sdks = {
  openai: { path: '/v1/chat/completions', call: async () => (await new OpenAI({ apiKey: 'k', baseURL: `${origin}/v1` }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]?.message.content },
  anthropic: { path: '/v1/messages', call: async () => { const message = await new Anthropic({ apiKey: 'k', baseURL: origin }).messages.create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }); return message.content[0]?.type === 'text' ? message.content[0].text : undefined } },
}

for (const [name, sdk] of Object.entries(sdks)) {
  for (const fault of [{ type: 'RateLimited', headers: { 'Retry-After': '1' } }, { type: 'HTTP_500' }] as Partial<ResolvedFault>[]) {
    test(`${name} with its default retries recovers from an injected ${fault.type}${fault.type === 'RateLimited' ? ', waiting the Retry-After second' : ''}`, async () => {
      const before = served.length
      const task = environment('model', sdk.path, fault)
      const startedAt = performance.now()
      const text = await runInTask(task, sdk.call)
      expect(text).toBe('hello')
      // The model saw only the retry; the faulted first attempt never left the process.
      expect(served.slice(before).map((entry) => entry.path)).toEqual([sdk.path])
      expect(task.calls.map((call) => [call.status, call.faulted])).toEqual([[fault.type === 'RateLimited' ? 429 : 500, true], [200, false]])
      if (fault.type === 'RateLimited') expect(served.at(-1)!.at - startedAt).toBeGreaterThanOrEqual(950)
    }, 20_000)
  }
}
