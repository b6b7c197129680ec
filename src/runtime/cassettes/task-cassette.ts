import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import { quote } from 'shell-quote'
import { entryKey, isCassetteFileError, mergeIntoCassette, readCassette, timingKey, type CassetteResponse, type CassetteTiming, type LoadedCassette, type RecordedAnswer } from './cassette-file.ts'
import { cassetteRequest, describeCassetteRequest, urlAsWritten, type CassetteRequest } from './request-key.ts'
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
  /** Digest of the task's seed and fault plan: a recorded time line is counted only under the same one. */
  plan: string
  mode: CassetteMode
  /** The environment variables the config allows, by name: URLs name them, their values are scrubbed from everything kept. */
  envVars: readonly (readonly [name: string, value: string])[]
  /** Record mode: sends a request to the real network, bypassing AWRR's interception. */
  fetchReal?: (request: Request) => Promise<Response>
}

export type CassetteAnswer =
  | { kind: 'answer'; request: CassetteRequest; response: CassetteResponse; occurrence: number }
  | { kind: 'missing'; request: CassetteRequest; message: string }

/** Response headers a replay must not repeat: they describe one connection, not the answer. */
const connectionHeaders = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding'])

/** Headers a recorded request is sent with: the caller's, less those of its own connection. */
function forwardedHeaders(headers: Headers): Headers {
  const forwarded = new Headers(headers)
  for (const name of ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']) forwarded.delete(name)
  return forwarded
}

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

/** Where a replay's time line first stopped being the recording's, for the trace. */
export interface TimingDivergence {
  /** Index of the point in the task's time line. */
  point: number
  /** The recorded point there (kind and digest of what it was about), or null past the recording's end. */
  expected: string | null
  actual: string
  recordedMs: number | null
  measuredMs: number
}

/**
 * How far the replay's own time between two points (the agent's work and waits, no recorded call
 * in flight) may stray from the recording's and still be the same run: 200 ms, or half the
 * recorded gap. An SDK's backoff jitter (the openai and Anthropic SDKs take off up to a quarter)
 * and a loaded CI machine's pauses stay inside; a wait the agent added or dropped does not, unless
 * it is shorter than that (then the replay reports the recording's time, off by at most that).
 */
export function ownTimeTolerance(recordedMs: number): number {
  return Math.max(200, recordedMs / 2)
}

/** A cassette file read once per worker while it is unchanged (a suite's tasks share one file). */
const loadedFiles = new Map<string, { stamp: string; loaded: LoadedCassette }>()

function loadCassette(file: string, displayFile: string): LoadedCassette {
  let stamp: string
  try {
    const stat = statSync(file)
    stamp = `${stat.mtimeMs}:${stat.size}`
  } catch {
    return readCassette(file, displayFile)
  }
  const known = loadedFiles.get(file)
  if (known?.stamp === stamp) return known.loaded
  const loaded = readCassette(file, displayFile)
  loadedFiles.set(file, { stamp, loaded })
  return loaded
}

export class TaskCassette {
  private loaded: LoadedCassette | undefined
  private readonly seen = new Map<string, number>()
  private readonly recorded: RecordedAnswer[] = []
  /** The time line this task takes in: recorded here, or counted from the recording (see `wallGap`). */
  private readonly points: [point: string, gapMs: number][] = []
  /** Replay: the recorded time line is no longer this run's (another call came), so wall time counts. */
  private timingDiverged = false
  private divergence: TimingDivergence | undefined
  /** Answers being fetched (record) or read (replay) now. */
  private inFlight = 0
  /** An answer was in flight at some time since the last point: that gap holds a real call's latency. */
  private busy = false
  /** Requests replay had no answer for, as messages: each fails the task. */
  readonly misses: string[] = []

  constructor(readonly options: CassetteOptions) {}

  get mode(): CassetteMode {
    return this.options.mode
  }

  async answer(method: string, url: string, headers: Headers, bodyText: string, signal: AbortSignal): Promise<CassetteAnswer> {
    this.inFlight++
    this.busy = true
    try {
      return await this.answerNow(method, url, headers, bodyText, signal)
    } finally {
      this.inFlight--
    }
  }

  private async answerNow(method: string, url: string, headers: Headers, bodyText: string, signal: AbortSignal): Promise<CassetteAnswer> {
    const secrets = secretValuesOf(headers, this.options.envVars.map(([, value]) => value))
    const request = cassetteRequest(method, url, bodyText, { envVars: this.options.envVars, secrets })
    const key = entryKey(this.options.episode, request)
    const occurrence = this.seen.get(key) ?? 0
    this.seen.set(key, occurrence + 1)
    if (this.options.mode === 'record') {
      const fetchReal = this.options.fetchReal
      if (!fetchReal) throw new Error('[awrr] A recording cassette needs a way to reach the network.')
      let real: Response
      let body: string
      try {
        real = await fetchReal(new Request(url, { method, headers: forwardedHeaders(headers), body: bodyText.length > 0 ? bodyText : null, signal }))
        body = await real.text()
      } catch (error) {
        // Named as the cassette names it (the URL as written), with every secret taken out of the cause.
        const cause = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error)
        throw new Error(`[awrr] Recording ${describeCassetteRequest(request)} failed: ${scrubText(cause, secrets)}`)
      }
      const response: CassetteResponse = { status: real.status, headers: scrubHeaders(real.headers, secrets, connectionHeaders), body: scrubText(body, secrets) }
      this.recorded.push({ episode: this.options.episode, request: { ...request, headers: scrubHeaders(headers, secrets, connectionHeaders) }, occurrence, response })
      return { kind: 'answer', request, response, occurrence }
    }
    const entry = this.cassette().entries.get(key)
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

  /**
   * The wall milliseconds the task's clock takes in at a point of its time line: `kind` says what
   * happens there (a call of some kind begins or ends), `subject` what it is about (`METHOD URL`, a
   * tool's name), kept as a digest of its text as written (no secret, no port), and `measuredMs` is
   * the wall time since the last point. Recording keeps each gap (to the microsecond) and counts
   * what it keeps.
   *
   * A replay counts the recorded gap while it is the same run as the recording: the same seed and
   * fault plan, the same points in the same order (so the same calls of the same requests and
   * tools), and, for a gap when no recorded call was in flight, its own time within
   * `ownTimeTolerance` of the recording's (so the agent waited and worked as it did then). A gap
   * with a recorded call in flight holds that call's real latency, which the replay does not wait
   * for, so the recorded gap counts. From the first point where the runs part, the replay counts
   * its own wall time, and `takeDivergence` says where for the trace.
   */
  wallGap(kind: string, subject: string | undefined, measuredMs: number): number {
    const index = this.points.length
    const point = subject === undefined ? kind : `${kind} ${this.digestOf(subject)}`
    const inCall = this.busy
    this.busy = this.inFlight > 0
    let gap = Math.round(measuredMs * 1000) / 1000
    if (this.options.mode === 'replay' && !this.timingDiverged) {
      const recorded = this.recordedTiming()?.points[index]
      if (recorded !== undefined && recorded[0] === point && (inCall || Math.abs(gap - recorded[1]) <= ownTimeTolerance(recorded[1]))) gap = recorded[1]
      else {
        this.timingDiverged = true
        this.divergence = { point: index, expected: recorded?.[0] ?? null, actual: point, recordedMs: recorded?.[1] ?? null, measuredMs: gap }
      }
    }
    this.points.push([point, gap])
    return gap
  }

  /** Where this replay's time line parted from the recording's, once, when it just did. */
  takeDivergence(): TimingDivergence | undefined {
    const divergence = this.divergence
    this.divergence = undefined
    return divergence
  }

  /** Record mode: writes what this task recorded, and its time line, into the cassette file. */
  async flush(): Promise<void> {
    if (this.options.mode !== 'record') return
    const timing: CassetteTiming | undefined =
      this.points.length > 0 ? { episode: this.options.episode, plan: this.options.plan, points: this.points.map(([point, gap]) => [point, gap]) } : undefined
    await mergeIntoCassette(this.options.file, this.recorded, rerecordCommand(this.options.scenarioFile), timing)
    this.recorded.length = 0
  }

  private cassette(): LoadedCassette {
    this.loaded ??= loadCassette(this.options.file, this.options.displayFile)
    return this.loaded
  }

  /** The recording's time line for this episode and plan; none when the file cannot be read (`answer` says why). */
  private recordedTiming(): CassetteTiming | undefined {
    try {
      return this.cassette().timings.get(timingKey(this.options.episode, this.options.plan))
    } catch (error) {
      if (isCassetteFileError(error)) return undefined
      throw error
    }
  }

  /** A point's subject as written (each allowed variable's value as its reference), as a short digest. */
  private digestOf(subject: string): string {
    return createHash('sha256').update(urlAsWritten(subject, this.options.envVars)).digest('hex').slice(0, 12)
  }
}

/** A model endpoint without a script answers from its cassette (recorded or replayed). */
export function answersFromCassette(llm: { script?: unknown }): boolean {
  return llm.script === undefined
}
