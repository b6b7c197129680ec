import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { startOnce } from 'awrr/plugin'
import type { TestProject } from 'vitest/node'
import { startShop } from './server.ts'

declare module 'vitest' {
  interface ProvidedContext {
    shopUrl: string
  }
}

/**
 * Starts the shop on a free port of 127.0.0.1 before any test runs and sets `SHOP_URL`, which the
 * scenarios read as `${env.SHOP_URL}` and the agents as `process.env.SHOP_URL`.
 *
 * Vitest runs a root config's globalSetup for the root and again for every project, and AWRR makes
 * one project per strategy and per agent: `startOnce` starts the shop for the first of them and
 * hands the others the same one (a fixed port, `startShop({ port: 4100 })`, works the same way).
 * When Vitest closes, the stop callback writes the shop's own record of what reached it
 * (`GET /__log`) to `.awrr/shop-log.json`, beside the traces, so the two can be compared: a fault
 * AWRR injected shows in the trace and not in the log.
 */
export default async function setup(project: TestProject): Promise<void> {
  const logFile = path.join(project.config.root, '.awrr', 'shop-log.json')
  const shop = await startOnce(
    'shop',
    () => startShop({ port: 0 }),
    async (running) => {
      const received: unknown = await (await fetch(`${running.url}/__log`)).json()
      mkdirSync(path.dirname(logFile), { recursive: true })
      writeFileSync(logFile, JSON.stringify(received, null, 2) + '\n')
      await running.close()
    },
  )
  process.env['SHOP_URL'] = shop.url
  project.provide('shopUrl', shop.url)
}
