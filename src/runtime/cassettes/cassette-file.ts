import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { withFileLock } from '../memory/file-lock.ts'
import { writeFileAtomically } from '../memory/memory-file.ts'
import { requestKey, type CassetteRequest } from './request-key.ts'

/**
 * A cassette: the answers a real endpoint gave, kept beside the scenario and replayed with no
 * network. Each entry is one distinct request (method, URL as written, normalised body) of one
 * episode (the agent, scenario, task and trial that made it) and the answers it got in order: the
 * n-th identical request gets the n-th answer, and the last answer again once they run out.
 *
 * Episodes keep each task's exchange whole: a real answer carries ids (a tool call's `id`) that
 * the agent's next request repeats, so an answer recorded by one task cannot continue another.
 */

export const cassetteResponseSchema = z.strictObject({
  status: z.int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  /** The body as the endpoint sent it (a JSON text, or the whole event stream). */
  body: z.string(),
})

export const cassetteEntrySchema = z.strictObject({
  /** `<agent> <scenario>/<task>`, and `#<trial>` after the first: who made the request. */
  episode: z.string().min(1),
  request: z.strictObject({
    method: z.string().min(1),
    url: z.string().min(1),
    body: z.unknown(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  responses: z.array(cassetteResponseSchema).min(1),
})

/**
 * An episode's time line as recorded: at each point where the task's clock took in wall time (a
 * call began or ended), which kind of point it was and the wall milliseconds since the one before.
 * A replay of the same calls under the same fault plan counts these instead of its own wall time,
 * so its durations (MTTR) are the recording's and the report is the same byte for byte.
 */
export const cassetteTimingSchema = z.strictObject({
  episode: z.string().min(1),
  /** Digest of the task's seed and fault plan: a replay under another plan measures its own time. */
  plan: z.string().min(1),
  points: z.array(z.tuple([z.string().min(1), z.number().min(0)])),
})

export const cassetteFileSchema = z.strictObject({
  version: z.literal(1),
  /** How to record it again; written by AWRR, ignored when read. */
  recorded_with: z.string().optional(),
  entries: z.array(cassetteEntrySchema),
  timings: z.array(cassetteTimingSchema).optional(),
})

export type CassetteResponse = z.infer<typeof cassetteResponseSchema>
export type CassetteEntry = z.infer<typeof cassetteEntrySchema>
export type CassetteFile = z.infer<typeof cassetteFileSchema>
export type CassetteTiming = z.infer<typeof cassetteTimingSchema>

/** A cassette as read: its entries by request key and its time lines by episode and plan (`timingKey`). */
export interface LoadedCassette {
  entries: Map<string, CassetteEntry>
  timings: Map<string, CassetteTiming>
}

/** Where a time line is found: its episode and its plan (a recording per seed and fault plan). */
export function timingKey(episode: string, plan: string): string {
  return `${episode}\n${plan}`
}

export class CassetteFileError extends Error {
  override readonly name = 'CassetteFileError'
  readonly code = 'AWRR_CASSETTE_FILE'
}

export function isCassetteFileError(error: unknown): error is CassetteFileError {
  return error instanceof CassetteFileError
}

/** A cassette's entries by request key and time lines by episode; a missing file is an empty cassette. */
export function readCassette(file: string, displayFile: string = file): LoadedCassette {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: new Map(), timings: new Map() }
    throw new CassetteFileError(`[awrr] Could not read the cassette "${displayFile}": ${(error as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CassetteFileError(`[awrr] The cassette "${displayFile}" is not JSON (${(error as Error).message}); record it again or restore it from version control.`)
  }
  const parsed = cassetteFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new CassetteFileError(`[awrr] The cassette "${displayFile}" is not a version-1 cassette: ${issue.path.join('.') || '(root)'}: ${issue.message}.`)
  }
  return {
    entries: new Map(parsed.data.entries.map((entry) => [entryKey(entry.episode, entry.request as CassetteRequest), entry])),
    timings: new Map((parsed.data.timings ?? []).map((timing) => [timingKey(timing.episode, timing.plan), timing])),
  }
}

/** Where an entry is found: its episode and its request. */
export function entryKey(episode: string, request: CassetteRequest): string {
  return `${episode}\n${requestKey(request)}`
}

/** One answer a task recorded: the `occurrence`-th time it sent this request. */
export interface RecordedAnswer {
  episode: string
  request: CassetteRequest & { headers: Record<string, string> }
  occurrence: number
  response: CassetteResponse
}

const byKey = <T>(entries: Iterable<[string, T]>): T[] => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value)

/**
 * Adds a task's recorded answers (and its time line) to the cassette under a lock (every worker of
 * a recording run writes the same file), replacing the answer recorded before for the same request
 * and occurrence, and the episode's earlier time line under the same plan. Entries are sorted by request and
 * time lines by episode and plan, so that a re-recording changes only what changed.
 */
export async function mergeIntoCassette(file: string, recorded: readonly RecordedAnswer[], recordedWith: string, timing?: CassetteTiming): Promise<void> {
  if (recorded.length === 0 && timing === undefined) return
  await mkdir(path.dirname(file), { recursive: true })
  await withFileLock(`${file}.lock`, async () => {
    const { entries, timings } = readCassette(file)
    if (timing) timings.set(timingKey(timing.episode, timing.plan), timing)
    for (const answer of recorded) {
      const key = entryKey(answer.episode, answer.request)
      const entry = entries.get(key) ?? { episode: answer.episode, request: answer.request, responses: [] }
      entry.request = answer.request
      // An occurrence past the end is appended: the earlier answers of this request are already there.
      if (answer.occurrence < entry.responses.length) entry.responses[answer.occurrence] = answer.response
      else entry.responses.push(answer.response)
      entries.set(key, entry)
    }
    const content: CassetteFile = { version: 1, recorded_with: recordedWith, entries: byKey(entries), ...(timings.size > 0 ? { timings: byKey(timings) } : {}) }
    await writeFileAtomically(file, JSON.stringify(content, null, 2) + '\n')
  })
}
