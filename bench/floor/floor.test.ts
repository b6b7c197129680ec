// The floor of a benchmark suite: what Vitest and MSW alone cost for the same tests and calls.
// One test per task; each makes the number of MSW-intercepted fetches that AWRR's tasks made on
// average under the same project (strategy), with request and response bodies of the same mean
// size, one after another, each answer read and parsed as AWRR's executor does. No AWRR code.
import { http, HttpResponse } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, beforeAll, describe, inject, test } from 'vitest'

declare module 'vitest' {
  interface ProvidedContext {
    'floor:tasks': number
    'floor:calls': number
    'floor:requestBytes': number
    'floor:responseBytes': number
  }
}

const tasks = inject('floor:tasks')
const totalCalls = inject('floor:calls')
const requestBytes = inject('floor:requestBytes')
const responseBytes = inject('floor:responseBytes')

/** A JSON text of about `bytes` characters. */
const padded = (bytes: number, shape: Record<string, unknown>) => {
  const base = JSON.stringify({ ...shape, pad: '' }).length
  return { ...shape, pad: 'x'.repeat(Math.max(0, bytes - base)) }
}
const requestBody = JSON.stringify(padded(requestBytes, { record_id: 'REC1' }))
const responseBody = padded(responseBytes, { ok: true, result: { record_id: 'REC1' } })

// As cheap a handler as MSW offers: one, matching by predicate, reading the body as AWRR's does.
const server = setupServer(
  http.all(
    () => true,
    async ({ request }) => {
      JSON.parse(await request.text())
      return HttpResponse.json(responseBody, { status: 200, headers: { 'x-world-hash': '0123abcd' } })
    },
  ),
)
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterAll(() => server.close())

describe('floor', () => {
  for (let index = 0; index < tasks; index++) {
    // Whole calls per test that add up to the suite's total.
    const calls = Math.floor(((index + 1) * totalCalls) / tasks) - Math.floor((index * totalCalls) / tasks)
    test(`task-${index}`, async () => {
      for (let call = 0; call < calls; call++) {
        const response = await fetch('http://tools.floor.test/tools/get_record', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: requestBody,
        })
        JSON.parse(await response.text())
      }
    })
  }
})
