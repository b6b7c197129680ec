import { refundAgent } from './refund-agent.ts'

/** The agent with the openai SDK's default retries (2). */
export default refundAgent()
