import { z } from 'zod'
import type { Observation } from '../strategies/recovery-strategy.ts'
import { allowPassthroughOrigin } from '../interception/index.ts'
import { diagnosisAnswerSchema, type DiagnosisInput, type DiagnosisResult, type Diagnoser } from './diagnoser.ts'

export interface LlmDiagnoserOptions {
  /**
   * Base URL of an OpenAI-compatible API; the client posts to `{baseUrl}/chat/completions`.
   * e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama).
   */
  baseUrl: string
  model: string
  /**
   * Wall-clock deadline for the whole exchange, in ms: the endpoint is a real service. The virtual
   * cost of a diagnosis is the strategy's to charge, the same for every diagnoser.
   * @default 10000
   */
  timeoutMs?: number
  /**
   * Environment variable read at each call for the API key. Unset or empty: no `Authorization`
   * header (local servers need none).
   * @default 'AWRR_LLM_API_KEY'
   */
  apiKeyEnv?: string
  /** Answers whenever the model cannot: timeout, 429, 5xx, other HTTP errors, network, bad answer. */
  fallback: Diagnoser
  /** @default globalThis.fetch */
  fetch?: typeof fetch
}

export type ResolvedLlmDiagnoserOptions = Required<LlmDiagnoserOptions>

export const defaultLlmDiagnoserOptions = {
  timeoutMs: 10_000,
  apiKeyEnv: 'AWRR_LLM_API_KEY',
} as const satisfies Partial<LlmDiagnoserOptions>

/** Why the fallback answered instead of the model, as data. */
export type LlmFallbackReason =
  | { code: 'timeout'; timeoutMs: number }
  | { code: 'rate_limited'; status: 429; retryAfter: string | null; message: string }
  | { code: 'server_error'; status: number; message: string }
  | { code: 'http_error'; status: number; message: string }
  | { code: 'network_error'; message: string }
  /** The body is not a chat completion with a text answer (or the model refused). */
  | { code: 'malformed_response'; message: string }
  /** The answer text is not JSON. */
  | { code: 'unparseable_answer'; message: string }
  /** The answer is JSON but breaks `diagnosisAnswerSchema`. */
  | { code: 'invalid_answer'; issues: string[] }

/** `source: 'llm'` when the model answered; otherwise the fallback's verdict and why it was used. */
export type LlmDiagnosisResult = DiagnosisResult & { fallbackReason?: LlmFallbackReason }

export interface LlmDiagnoser extends Diagnoser {
  diagnose(input: DiagnosisInput): Promise<LlmDiagnosisResult>
}

export class AwrrLlmDiagnoserError extends Error {
  readonly code = 'AWRR_LLM_DIAGNOSER_OPTIONS'
  constructor(message: string) {
    super(`[awrr] Invalid llmDiagnoser options: ${message}`)
    this.name = 'AwrrLlmDiagnoserError'
  }
}

export function isAwrrLlmDiagnoserError(value: unknown): value is AwrrLlmDiagnoserError {
  return value instanceof AwrrLlmDiagnoserError
}

const llmSystemPrompt = `You diagnose failed tool calls in a multi-step workflow and recommend one recovery action.
You see only what the client saw: the tool and step, the attempt number, the HTTP status (null when no answer came), response headers, the error body, whether the world state changed during the failed call, and a summary of this task's earlier failures.

Classify the failure into one layer:
- "transient": a passing condition (overload, rate limit, gateway or timeout, connection reset, replication lag); the same call is likely to succeed later.
- "persistent": a lasting condition the workflow cannot fix by itself (bad credentials, a resource that really does not exist); repeating the call will keep failing.
- "semantic": the request is wrong or not allowed (invalid input, policy rejection, an answer that breaks the contract); it needs a different request or a human decision.
- "cascade": the state is inconsistent because of earlier or partial work (conflict, a half-applied write); the world must be put back before trying again.

Recommend one action:
- "retry": call the same step again after a wait (fits transient failures).
- "rollback": restore the world to the last checkpoint, then retry (fits cascade failures).
- "escalate": stop and hand the task to a human (fits persistent and semantic failures, and anything unsafe to repeat).

Weigh the evidence: Retry-After and 429/503 point to transient; 409 or a changed world after a 5xx point to cascade; 401 points to persistent; 400 and 403 point to semantic; the same failure repeating with the world unchanged makes a passing condition less likely.

Answer with one JSON object and nothing else, exactly these keys:
{"layer": "transient" | "persistent" | "semantic" | "cascade", "action": "retry" | "rollback" | "escalate", "confidence": number between 0 and 1 (how sure you are that the action is the right one now), "rationale": one short sentence}`

/** Keeps one prompt small whatever a tool sends back. */
const maxBodyChars = 4_000
const maxMessageChars = 300
const recentHistory = 5
const redacted = '[redacted]'

const chatCompletionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }) }))
    .min(1),
})

type Exchange = { kind: 'answer'; answer: z.infer<typeof diagnosisAnswerSchema> } | { kind: 'fallback'; reason: LlmFallbackReason }

/**
 * A diagnoser backed by any OpenAI-compatible chat-completions endpoint. The model sees only the
 * observation; its answer must be strict JSON that passes `diagnosisAnswerSchema`. Anything else
 * (slow, rate-limited, failing, unparseable) hands the failure to `fallback` and says why, so a
 * strategy never stalls or crashes on the model. The API key is read at call time, sent only in
 * the `Authorization` header, and scrubbed from everything returned.
 */
export function llmDiagnoser(options: LlmDiagnoserOptions): LlmDiagnoser {
  const resolved: ResolvedLlmDiagnoserOptions = {
    ...defaultLlmDiagnoserOptions,
    fetch: (input, init) => globalThis.fetch(input, init),
    ...options,
  }
  const endpoint = chatCompletionsUrl(resolved.baseUrl)
  if (resolved.model.trim() === '') throw new AwrrLlmDiagnoserError('model must be a non-empty model name.')
  if (!(resolved.timeoutMs > 0) || !Number.isFinite(resolved.timeoutMs)) {
    throw new AwrrLlmDiagnoserError(`timeoutMs must be a positive number of milliseconds (got ${resolved.timeoutMs}).`)
  }
  // Inside a test run MSW rejects every request it does not route; the configured endpoint is real.
  allowPassthroughOrigin(endpoint.origin)

  return {
    name: `llm:${resolved.model}`,
    async diagnose(input) {
      const apiKey = process.env[resolved.apiKeyEnv] || undefined
      const exchange = await askModel(resolved, endpoint, input, apiKey)
      if (exchange.kind === 'answer') return scrub({ ...exchange.answer, source: 'llm' }, apiKey)
      const fallback = await resolved.fallback.diagnose(input)
      return scrub({ ...fallback, fallbackReason: exchange.reason }, apiKey)
    },
  }
}

function chatCompletionsUrl(baseUrl: string): URL {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new AwrrLlmDiagnoserError(`baseUrl must be an absolute http(s) URL such as https://api.openai.com/v1 (got "${baseUrl}").`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AwrrLlmDiagnoserError(`baseUrl must use http or https (got "${url.protocol}").`)
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`
  return url
}

async function askModel(
  options: ResolvedLlmDiagnoserOptions,
  endpoint: URL,
  input: DiagnosisInput,
  apiKey: string | undefined,
): Promise<Exchange> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
  if (apiKey !== undefined) headers['authorization'] = `Bearer ${apiKey}`
  const body = JSON.stringify({
    model: options.model,
    temperature: 0,
    response_format: { type: 'json_object' },
    messages: [
      { role: 'system', content: llmSystemPrompt },
      { role: 'user', content: JSON.stringify(describeFailure(input)) },
    ],
  })

  const deadline = new AbortController()
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs)
  try {
    // Raced as well as passed on: a custom fetch may ignore the signal, and the body read counts too.
    const response = await beforeDeadline(options.fetch(endpoint, { method: 'POST', headers, body, signal: deadline.signal }), deadline.signal)
    const text = await beforeDeadline(response.text(), deadline.signal)
    if (!response.ok) return { kind: 'fallback', reason: httpFailure(response, text) }
    return readAnswer(text)
  } catch (error: unknown) {
    if (deadline.signal.aborted) return { kind: 'fallback', reason: { code: 'timeout', timeoutMs: options.timeoutMs } }
    return { kind: 'fallback', reason: { code: 'network_error', message: describeError(error) } }
  } finally {
    clearTimeout(timer)
  }
}

function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('deadline passed'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('deadline passed'))
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function httpFailure(response: Response, text: string): LlmFallbackReason {
  const message = errorMessageOf(text)
  if (response.status === 429) return { code: 'rate_limited', status: 429, retryAfter: response.headers.get('retry-after'), message }
  if (response.status >= 500) return { code: 'server_error', status: response.status, message }
  return { code: 'http_error', status: response.status, message }
}

/** OpenAI-style `{ error: { message } }`, or the start of whatever else came back. */
function errorMessageOf(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text)
    const message = (parsed as { error?: { message?: unknown } } | null)?.error?.message
    if (typeof message === 'string') return clip(message, maxMessageChars)
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return clip(text, maxMessageChars)
}

function readAnswer(text: string): Exchange {
  let completion: unknown
  try {
    completion = JSON.parse(text)
  } catch {
    return { kind: 'fallback', reason: { code: 'malformed_response', message: 'the response body is not JSON' } }
  }
  const parsed = chatCompletionSchema.safeParse(completion)
  if (!parsed.success) {
    return { kind: 'fallback', reason: { code: 'malformed_response', message: 'the response body has no choices[0].message' } }
  }
  const { content, refusal } = parsed.data.choices[0]!.message
  if (typeof content !== 'string' || content.trim() === '') {
    const why = refusal ? `the model refused: ${clip(refusal, maxMessageChars)}` : 'choices[0].message.content is empty'
    return { kind: 'fallback', reason: { code: 'malformed_response', message: why } }
  }
  let answer: unknown
  try {
    answer = JSON.parse(content)
  } catch (error: unknown) {
    return { kind: 'fallback', reason: { code: 'unparseable_answer', message: describeError(error) } }
  }
  const checked = diagnosisAnswerSchema.safeParse(answer)
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.join('.') || '(answer)'}: ${issue.message}`)
    return { kind: 'fallback', reason: { code: 'invalid_answer', issues } }
  }
  return { kind: 'answer', answer: checked.data }
}

/**
 * The prompt's facts, picked field by field rather than spread, so nothing an `Observation` might
 * carry at run time beyond its declared fields can reach the model.
 */
function describeFailure({ observation, history }: DiagnosisInput): Record<string, unknown> {
  const sameStep = history.filter((earlier) => earlier.step === observation.step)
  return {
    tool: observation.tool,
    step: observation.step,
    attempt: observation.attempt,
    result: observation.result,
    status: observation.status,
    headers: { ...observation.headers },
    error_body: boundedBody(observation.body),
    side_effect: observation.sideEffect,
    world_hash_changed:
      observation.worldHash === null || observation.lastGoodWorldHash === null ? null : observation.worldHash !== observation.lastGoodWorldHash,
    history: {
      earlier_failures: history.length,
      earlier_failures_of_this_step: sameStep.length,
      identical_failures_of_this_step: sameStep.filter((earlier) => isSameFailure(earlier, observation)).length,
      recent: history.slice(-recentHistory).map((earlier) => ({
        tool: earlier.tool,
        step: earlier.step,
        attempt: earlier.attempt,
        result: earlier.result,
        status: earlier.status,
        error_code: earlier.errorCode,
      })),
    },
  }
}

function isSameFailure(earlier: Observation, now: Observation): boolean {
  return earlier.result === now.result && earlier.status === now.status && earlier.errorCode === now.errorCode && earlier.worldHash === now.worldHash
}

function boundedBody(body: unknown): unknown {
  if (body === undefined) return null
  const text = JSON.stringify(body)
  return text.length <= maxBodyChars ? body : `${text.slice(0, maxBodyChars)}...(truncated)`
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return clip(String(error), maxMessageChars)
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return clip(`${error.message}${cause}`, maxMessageChars)
}

/** Replaces every occurrence of the key in every string of the result, keys of objects included. */
function scrub<T>(value: T, secret: string | undefined): T {
  if (secret === undefined) return value
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return node.split(secret).join(redacted)
    if (Array.isArray(node)) return node.map(walk)
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [walk(key) as string, walk(child)]))
    }
    return node
  }
  return walk(value) as T
}
