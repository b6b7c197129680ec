import { startOnce } from 'awrr/plugin'
import { startQuoteService } from './quote-service.ts'

// Vitest runs this once for the root and once per project: startOnce starts the service for the
// first and hands the others the same one; it is closed when Vitest closes.
export default async function setup(): Promise<void> {
  const service = await startOnce('quotes', () => startQuoteService(), (running) => running.close())
  process.env['QUOTES_URL'] = service.url
}
