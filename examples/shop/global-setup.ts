import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startShop, type Shop } from './server.ts'

declare module 'vitest' {
  interface ProvidedContext {
    shopUrl: string
  }
}

/**
 * Vitest runs a root config's globalSetup for the root and again for every project, and AWRR makes
 * one project per strategy and per agent; all of them run in this process and share one shop.
 */
interface SharedShop {
  shop: Promise<Shop>
  users: number
}
const sharedKey = Symbol.for('awrr.examples.shop')
const holder = globalThis as { [sharedKey]?: SharedShop }

/**
 * Starts the shop on a free port of 127.0.0.1 before any test runs and sets `SHOP_URL`, which the
 * scenarios read as `${env.SHOP_URL}` and the agents as `process.env.SHOP_URL`. At the end it writes
 * the shop's own record of what reached it (`GET /__log`) to `.awrr/shop-log.json`, beside the
 * traces, so the two can be compared: a fault AWRR injected shows in the trace and not in the log.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (holder[sharedKey] ??= { shop: startShop({ port: 0 }), users: 0 })
  shared.users++
  const shop = await shared.shop
  process.env['SHOP_URL'] = shop.url
  project.provide('shopUrl', shop.url)

  return async () => {
    if (--shared.users > 0) return
    delete holder[sharedKey]
    const received: unknown = await (await fetch(`${shop.url}/__log`)).json()
    const file = path.join(project.config.root, '.awrr', 'shop-log.json')
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(received, null, 2) + '\n')
    await shop.close()
  }
}
