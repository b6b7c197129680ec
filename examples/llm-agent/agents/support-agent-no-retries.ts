import { refundAgent } from './refund-agent.ts'

/** The same agent with the SDK's retries off: a 429 or an overloaded model ends its task. */
export default refundAgent({ maxRetries: 0 })
