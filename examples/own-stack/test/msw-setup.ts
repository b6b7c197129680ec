import { appendFileSync, mkdirSync } from 'node:fs'
import { setupServer } from 'msw/node'
import { afterAll, inject } from 'vitest'
import { handlers } from './handlers.ts'

// The project's own MSW server, as many projects have it in a setup file: it runs before every
// test file of every project, AWRR's agent and strategy projects included. OWN_STACK_MSW=off leaves
// it out, which is how test/own-stack.test.ts compares AWRR's report with and without it.
if (process.env['OWN_STACK_MSW'] !== 'off') {
  const server = setupServer(...handlers)
  server.listen({ onUnhandledRequest: 'error' })
  afterAll(() => server.close())
  // Not something a project needs: a note of each test file the server ran for, with AWRR's project
  // (its strategy or agent, provided to every file), so the test can see it ran inside AWRR's projects.
  mkdirSync('.awrr', { recursive: true })
  appendFileSync('.awrr/user-msw.jsonl', JSON.stringify({ project: inject('awrr:strategy' as never) ?? null }) + '\n')
}
