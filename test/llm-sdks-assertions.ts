import { readFileSync } from 'node:fs'
import path from 'node:path'
import { expect } from 'vitest'
import { readJson } from './packed-project.ts'

/** The client libraries the llm-sdks example drives, at the versions this repository tests. */
export function llmSdkPackages(): string[] {
  const dev = readJson(path.join(import.meta.dirname, '..', 'package.json')).devDependencies as Record<string, string>
  return ['openai', '@anthropic-ai/sdk', 'ai', '@ai-sdk/openai', '@langchain/openai', '@langchain/core', 'zod'].map((name) => `${name}@${dev[name] ?? readJson(path.join(import.meta.dirname, '..', 'package.json')).dependencies[name]}`)
}

interface NotedError {
  agent: string
  scenario: string
  error: string
  message: string
}

/**
 * What a run of examples/llm-sdks must show: every library recovered from the model faults the
 * scenarios inject, each stream fault reached the agent as that library's own error, and the
 * tokens and cost come from the scripted usage.
 */
export function expectLlmSdksRun(dir: string, output: string): void {
  const report = readJson(path.join(dir, '.awrr', 'report.json'))
  const outcome = (agent: string, scenario: string) => report.strategies[agent].tasks.find((task: { scenario: string }) => task.scenario === scenario)?.outcome
  for (const agent of ['openai-sdk', 'ai-sdk', 'langchain']) {
    for (const scenario of ['openai-clean-stream', 'openai-rate-limited', 'openai-stream-cut']) expect(outcome(agent, scenario), `${agent} ${scenario}`).toBe('completed')
    // Two answered turns with stated usage: 100 + 20 and 150 + 5 tokens, whatever the faults before them.
    expect(report.strategies[agent].metrics.tokens_per_completed, agent).toBe(275)
    expect(report.strategies[agent].metrics.cost_usd_per_completed, agent).toBeCloseTo((250 * 0.15 + 25 * 0.6) / 1e6, 15)
  }
  expect(outcome('anthropic-sdk', 'anthropic-overloaded-cut')).toBe('completed')
  expect(report.strategies['anthropic-sdk'].metrics.cost_usd_per_completed).toBeCloseTo((250 * 1 + 25 * 5) / 1e6, 15)

  const errors: NotedError[] = readFileSync(path.join(dir, '.awrr', 'sdk-errors.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
  const seen = (agent: string, scenario: string) => errors.filter((entry) => entry.agent === agent && entry.scenario === scenario).map((entry) => entry.error)
  // Each library's own error for a cut stream and for a 429 or 529 (one fault each, then recovered).
  expect(seen('openai-sdk', 'openai-stream-cut')).toEqual(['OpenAIError'])
  expect(seen('openai-sdk', 'openai-rate-limited')).toEqual(['RateLimitError'])
  expect(seen('anthropic-sdk', 'anthropic-overloaded-cut')).toEqual(['OverloadedError', 'AnthropicError'])
  // The AI SDK reports a cut stream as one of its own classes: NoOutputGeneratedError from
  // `result.text` (seen in this checkout) or APICallError (seen in the packed install).
  expect(seen('ai-sdk', 'openai-stream-cut')).toHaveLength(1)
  expect(['NoOutputGeneratedError', 'APICallError']).toContain(seen('ai-sdk', 'openai-stream-cut')[0])
  expect(seen('ai-sdk', 'openai-rate-limited')).toEqual(['APICallError'])
  // LangChain passes the transport's error through, as undici reports a connection reset mid-body.
  expect(seen('langchain', 'openai-stream-cut')).toEqual(['TypeError'])
  expect(seen('langchain', 'openai-rate-limited')).toEqual(['RateLimitError'])

  // The faults are facts in every agent's trace.
  for (const agent of ['openai-sdk', 'ai-sdk', 'langchain']) {
    const trace = readFileSync(path.join(dir, '.awrr', 'traces', agent, 'scenarios%2Fopenai-stream-cut.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(trace.filter((event) => event.type === 'llm:call').map((event) => event.status), agent).toEqual(['cut', 200, 200])
    expect(trace.filter((event) => event.type === 'fault:injected').map((event) => event.faultType), agent).toEqual(['StreamCut'])
  }
  expect(output).toMatch(/LLM calls\s+Tokens\s+Cost \$/)
}
