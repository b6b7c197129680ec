import { placeOrder, type OrderRequest } from '../src/place-order.ts'
import { withFakeTimers } from '../src/with-fake-timers.ts'

// The AWRR entry point: the team's agent as it is, run under fake timers.
export default withFakeTimers(async (context) => {
  const baseUrl = process.env['QUOTES_URL']
  if (!baseUrl) throw new Error('QUOTES_URL is not set: global-setup.ts starts the quote service and sets it.')
  await placeOrder(baseUrl, context.input as OrderRequest)
})
