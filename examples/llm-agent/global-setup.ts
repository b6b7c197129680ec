import { startOnce } from 'awrr/plugin'
import { startModelServer } from './model-server.ts'

/**
 * Where the agent's model is: `LLM_AGENT_BASE_URL` when set (the real API, to record against it).
 * Otherwise, when recording (`AWRR_RECORD=1`), the local OpenAI-shaped server of model-server.ts on
 * a free port; when replaying, an address that resolves nowhere: every answer comes from a
 * cassette, and a request that got past one would fail instead of reaching a network.
 */
export default async function setup(): Promise<void> {
  if (process.env.LLM_AGENT_BASE_URL) return
  if (process.env.AWRR_RECORD === '1') {
    const server = await startOnce('llm-agent-model', () => startModelServer(), (running) => running.close())
    process.env.LLM_AGENT_BASE_URL = `${server.url}/v1`
    return
  }
  process.env.LLM_AGENT_BASE_URL = 'http://model.replay.invalid/v1'
}
