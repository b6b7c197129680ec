import type { DiagnosisAction } from '../diagnosis/diagnoser.ts'
import type { Layer } from '../scenario/schema.ts'
import type { Observation } from '../strategies/recovery-strategy.ts'

/**
 * B4's memory: what was done about a kind of failure, and how the task ended. A failure is
 * remembered by its signature, built from what the client observed only; entries live in buckets
 * by tool and error type, so a lookup compares against one bucket, never the whole bank.
 */

/** What a failure looked like, reduced to the parts that recur from task to task. */
export interface FaultSignature {
  tool: string
  /** `http_<status>`, or `timeout`, `network`, `contract` when the status says nothing. */
  errorType: string
  stepName: string
  /** Up to `maxKeywords` words of the error code and message, most frequent first, then a-z. */
  keywords: string[]
  /** The failing answer carried another world than the last good call left behind. */
  worldChanged: boolean
  /** First `worldHashPrefixLength` hex digits of the world hash the failure carried. */
  worldHashPrefix: string | null
}

/** One remembered (signature, action) pair with its record. Plain JSON. */
export interface MemoryEntry {
  tool: string
  errorType: string
  stepName: string
  keywords: string[]
  worldChanged: boolean
  /** World-hash prefixes this entry was seen with, sorted, at most `maxPrefixesPerEntry`. */
  worldHashPrefixes: string[]
  action: DiagnosisAction
  layer: Layer
  uses: number
  successes: number
}

/** What a finished task teaches: its first failure, what was done, whether the task completed. */
export interface MemoryUpdate {
  signature: FaultSignature
  action: DiagnosisAction
  layer: Layer
  success: boolean
}

export interface MemoryRecall {
  entry: MemoryEntry
  similarity: number
  successRate: number
  /** `similarityWeight` x similarity + (1 - `similarityWeight`) x success rate. */
  confidence: number
}

export const maxKeywords = 5
export const worldHashPrefixLength = 4
export const maxPrefixesPerEntry = 32
/** Confidence = 0.7 x similarity + 0.3 x past success rate. */
export const similarityWeight = 0.7

/**
 * Feature weights of the similarity, summing to 1. Tool and error type always match inside a
 * bucket; the world-hash prefix only matches when the very same world state failed before (the
 * same task in a later run), so it is a small bonus, not a requirement.
 */
const weights = { tool: 0.2, errorType: 0.2, stepName: 0.2, keywords: 0.2, worldChanged: 0.1, worldHashPrefix: 0.1 } as const

const stopWords = new Set([
  'the', 'and', 'for', 'was', 'were', 'are', 'not', 'does', 'did', 'has', 'have', 'had', 'with', 'this', 'that',
  'from', 'into', 'than', 'then', 'too', 'error', 'failed',
])

/**
 * Words of the error code and message. Words with digits are dropped: they are ids and amounts
 * (`REC12`, `240`), which differ from task to task and would keep alike failures apart.
 */
export function errorKeywords(errorCode: string | null, body: unknown): string[] {
  const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined
  const message = error && typeof error === 'object' ? (error as { message?: unknown }).message : undefined
  const text = `${errorCode ?? ''} ${typeof message === 'string' ? message.slice(0, 500) : ''}`.toLowerCase()
  const counts = new Map<string, number>()
  for (const word of text.split(/[^a-z0-9]+/)) {
    if (word.length < 3 || /\d/.test(word) || stopWords.has(word)) continue
    counts.set(word, (counts.get(word) ?? 0) + 1)
  }
  return [...counts.entries()]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxKeywords)
    .map(([word]) => word)
}

export function signatureOf(observation: Observation): FaultSignature {
  const { worldHash, lastGoodWorldHash } = observation
  return {
    tool: observation.tool,
    errorType: observation.status !== null && observation.result === 'http_error' ? `http_${observation.status}` : observation.result,
    stepName: observation.stepName,
    keywords: errorKeywords(observation.errorCode, observation.body),
    worldChanged: worldHash !== null && lastGoodWorldHash !== null && worldHash !== lastGoodWorldHash,
    worldHashPrefix: worldHash === null ? null : worldHash.slice(0, worldHashPrefixLength),
  }
}

const bucketOf = (signature: { tool: string; errorType: string }) => `${signature.tool}\u001f${signature.errorType}`

/** Identity of an entry: everything but the counts and the world-hash prefixes. */
export function entryKey(entry: Omit<MemoryEntry, 'uses' | 'successes' | 'worldHashPrefixes'>): string {
  return JSON.stringify([entry.tool, entry.errorType, entry.stepName, [...entry.keywords].sort(), entry.worldChanged, entry.action, entry.layer])
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1
  const left = new Set(a)
  let shared = 0
  const union = new Set(a)
  for (const word of b) {
    if (left.has(word)) shared++
    union.add(word)
  }
  return shared / union.size
}

export function similarity(signature: FaultSignature, entry: MemoryEntry): number {
  const score =
    (signature.tool === entry.tool ? weights.tool : 0) +
    (signature.errorType === entry.errorType ? weights.errorType : 0) +
    (signature.stepName === entry.stepName ? weights.stepName : 0) +
    weights.keywords * jaccard(signature.keywords, entry.keywords) +
    (signature.worldChanged === entry.worldChanged ? weights.worldChanged : 0) +
    (signature.worldHashPrefix !== null && entry.worldHashPrefixes.includes(signature.worldHashPrefix) ? weights.worldHashPrefix : 0)
  return Math.round(score * 1e9) / 1e9
}

/** The `limit` smallest of both lists: the same set whatever order merges happen in. */
export function mergePrefixes(a: readonly string[], b: readonly string[], limit = maxPrefixesPerEntry): string[] {
  return [...new Set([...a, ...b])].sort().slice(0, limit)
}

export function entryOf(update: MemoryUpdate): MemoryEntry {
  const { signature } = update
  return {
    tool: signature.tool,
    errorType: signature.errorType,
    stepName: signature.stepName,
    keywords: [...signature.keywords],
    worldChanged: signature.worldChanged,
    worldHashPrefixes: signature.worldHashPrefix === null ? [] : [signature.worldHashPrefix],
    action: update.action,
    layer: update.layer,
    uses: 1,
    successes: update.success ? 1 : 0,
  }
}

/** Adds `from`'s record to `into` (same key). */
export function addEntry(into: MemoryEntry, from: MemoryEntry): void {
  into.uses += from.uses
  into.successes += from.successes
  into.worldHashPrefixes = mergePrefixes(into.worldHashPrefixes, from.worldHashPrefixes)
}

export interface MemoryBank {
  /** The most confident entry in the signature's bucket, if the bucket has any. */
  recall(signature: FaultSignature): MemoryRecall | undefined
  learn(update: MemoryUpdate): void
  /** Every entry, sorted by key (a stable order for files and tests). */
  entries(): MemoryEntry[]
  readonly size: number
}

/** A bank holding `initial` (copied); `learn` adds to it in the order tasks end. */
export function createMemoryBank(initial: readonly MemoryEntry[] = []): MemoryBank {
  const buckets = new Map<string, Map<string, MemoryEntry>>()
  let size = 0

  const add = (entry: MemoryEntry): void => {
    const bucketKey = bucketOf(entry)
    let bucket = buckets.get(bucketKey)
    if (!bucket) {
      bucket = new Map()
      buckets.set(bucketKey, bucket)
    }
    const key = entryKey(entry)
    const existing = bucket.get(key)
    if (existing) {
      addEntry(existing, entry)
    } else {
      bucket.set(key, { ...entry, keywords: [...entry.keywords], worldHashPrefixes: [...entry.worldHashPrefixes] })
      size++
    }
  }
  for (const entry of initial) if (entry.uses > 0) add(entry)

  return {
    recall(signature) {
      const bucket = buckets.get(bucketOf(signature))
      if (!bucket) return undefined
      let best: MemoryRecall | undefined
      // Map order is insertion order, and ties keep the earlier entry: deterministic.
      for (const entry of bucket.values()) {
        const entrySimilarity = similarity(signature, entry)
        const successRate = entry.successes / entry.uses
        const confidence = Math.round((similarityWeight * entrySimilarity + (1 - similarityWeight) * successRate) * 1e9) / 1e9
        if (!best || confidence > best.confidence) best = { entry, similarity: entrySimilarity, successRate, confidence }
      }
      return best && { ...best, entry: { ...best.entry } }
    },
    learn(update) {
      add(entryOf(update))
    },
    entries() {
      const all: { key: string; entry: MemoryEntry }[] = []
      for (const bucket of buckets.values()) for (const [key, entry] of bucket) all.push({ key, entry: { ...entry } })
      return all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ entry }) => entry)
    },
    get size() {
      return size
    },
  }
}
