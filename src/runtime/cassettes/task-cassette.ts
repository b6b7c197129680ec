import { quote } from 'shell-quote'
import { entryKey, mergeIntoCassette, readCassette, type CassetteEntry, type CassetteResponse, type RecordedAnswer } from './cassette-file.ts'
import { cassetteRequest, describeCassetteRequest, type CassetteRequest } from './request-key.ts'
import { scrubHeaders, scrubText, secretValuesOf } from './scrub-secrets.ts'

/**
 * One task's view of a cassette. Replay answers each request from the file, with no network;
 * record sends it to the real endpoint (around AWRR's interception), keeps the answer scrubbed of
 * secrets, serves the agent that same scrubbed answer (so a recording run and its replays see the
 * same bytes) and merges what it recorded into the file when the task ends.
 */

export type CassetteMode = 'replay' | 'record'

export interface CassetteOptions {
  /** Absolute path of the cassette file. */
  file: string
  /** The path as messages name it: relative to the project root. */
  displayFile: string
  /** The scenario file, relative to the project root: what the re-record command runs. */
  scenarioFile: string
  /** Who makes the requests: `<agent> <scenario>/<task>` (and `#<trial>`); see `cassette-file.ts`. */
  episode: string
  mode: CassetteMode
  /** The endpoint's base URL as the task resolved it, and as the scenario writes it. */
  resolvedBase: string
  writtenBase: string
  /** Values of the environment variables the config allows: scrubbed from everything kept. */
  envSecrets: readonly string[]
  /** Record mode: sends a request to the real network, bypassing AWRR's interception. */
  fetchReal?: (request: Request) => Promise<Response>
}

export type CassetteAnswer =
  | { kind: 'answer'; request: CassetteRequest; response: CassetteResponse; occurrence: number }
  | { kind: 'missing'; request: CassetteRequest; message: string }

/** Response headers a replay must not repeat: they describe one connection, not the answer. */
const connectionHeaders = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding'])

/** `AWRR_RECORD=1 npx vitest run <scenario>`, quoted for a POSIX shell. */
export function rerecordCommand(scenarioFile: string): string {
  return `AWRR_RECORD=1 ${quote(['npx', 'vitest', 'run', scenarioFile])}`
}

/**
 * Whether a task records: `AWRR_RECORD=1` always does; a scenario's `record: true` does too, except
 * in CI (`CI=true`), where nothing records unless asked for explicitly and a missing answer fails.
 */
export function cassetteModeOf(scenarioRecord: boolean | undefined, env: NodeJS.ProcessEnv = process.env): CassetteMode {
  if (env['AWRR_RECORD'] === '1') return 'record'
  const ci = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== '0' && env['CI'] !== 'false'
  return scenarioRecord === true && !ci ? 'record' : 'replay'
}

export class TaskCassette {
  private entries: Map<string, CassetteEntry> | undefined
  private readonly seen = new Map<string, number>()
  private readonly recorded: RecordedAnswer[] = []
  /** Requests replay had no answer for, as messages: each fails the task. */
  readonly misses: string[] = []

  constructor(readonly options: CassetteOptions) {}

  get mode(): CassetteMode {
    return this.options.mode
  }

  async answer(method: string, url: string, headers: Headers, bodyText: string, signal: AbortSignal): Promise<CassetteAnswer> {
    const secrets = secretValuesOf(headers, this.options.envSecrets)
    const request = cassetteRequest(method, url, bodyText, { resolvedBase: this.options.resolvedBase, writtenBase: this.options.writtenBase, secrets })
    const key = entryKey(this.options.episode, request)
    const occurrence = this.seen.get(key) ?? 0
    this.seen.set(key, occurrence + 1)
    if (this.options.mode === 'record') {
      const fetchReal = this.options.fetchReal
      if (!fetchReal) throw new Error('[awrr] A recording cassette needs a way to reach the network.')
      const real = await fetchReal(new Request(url, { method, headers, body: bodyText.length > 0 ? bodyText : null, signal }))
      const body = await real.text()
      const response: CassetteResponse = { status: real.status, headers: scrubHeaders(real.headers, secrets, connectionHeaders), body: scrubText(body, secrets) }
      this.recorded.push({ episode: this.options.episode, request: { ...request, headers: scrubHeaders(headers, secrets, connectionHeaders) }, occurrence, response })
      return { kind: 'answer', request, response, occurrence }
    }
    this.entries ??= readCassette(this.options.file, this.options.displayFile)
    const entry = this.entries.get(key)
    if (!entry) {
      const message =
        `[awrr] The cassette "${this.options.displayFile}" has no recorded answer for ${describeCassetteRequest(request)} in ${this.options.episode} ` +
        `(the agent sent a request that was never recorded: the agent, its prompt or the scenario changed since). ` +
        `Record it again: ${rerecordCommand(this.options.scenarioFile)}`
      if (!this.misses.includes(message)) this.misses.push(message)
      return { kind: 'missing', request, message }
    }
    // The n-th identical request gets the n-th answer; past the last, the last one again.
    const response = entry.responses[Math.min(occurrence, entry.responses.length - 1)]!
    return { kind: 'answer', request, response, occurrence }
  }

  /** Record mode: writes what this task recorded into the cassette file. */
  async flush(): Promise<void> {
    if (this.options.mode !== 'record') return
    await mergeIntoCassette(this.options.file, this.recorded, rerecordCommand(this.options.scenarioFile))
    this.recorded.length = 0
  }
}

/** A model endpoint without a script answers from its cassette (recorded or replayed). */
export function answersFromCassette(llm: { script?: unknown }): boolean {
  return llm.script === undefined
}
