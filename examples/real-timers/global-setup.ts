import { startQuoteService } from './quote-service.ts'

// Vitest runs this once for the root and once per project, in one process: start the service once.
const sharedKey = Symbol.for('awrr.examples.quote-service')
const holder = globalThis as { [sharedKey]?: ReturnType<typeof startQuoteService> }

export default async function setup(): Promise<() => Promise<void>> {
  const isFirst = holder[sharedKey] === undefined
  const service = await (holder[sharedKey] ??= startQuoteService())
  process.env['QUOTES_URL'] = service.url
  return async () => {
    if (!isFirst) return
    delete holder[sharedKey]
    await service.close()
  }
}
