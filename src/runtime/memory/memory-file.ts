import { randomUUID } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { diagnosisActions } from '../diagnosis/diagnoser.ts'
import { layers } from '../scenario/taxonomy.ts'
import type { RunConfig } from '../vitest/run-config.ts'
import { withFileLock, type FileLockOptions } from './file-lock.ts'
import { addEntry, entryKey, entryOf, mergePrefixes, type MemoryEntry, type MemoryUpdate } from './memory-bank.ts'

/**
 * The memory bank on disk (`memory: 'persist'`), `.awrr/memory/<strategy>.json`.
 *
 * Every worker of a run must start from the bank the previous run left, whatever the other
 * workers of this run have written meanwhile, or results would depend on how workers interleave.
 * So each entry keeps its settled record (every earlier run) apart from what the latest run added
 * (`pending`, tagged with that run's id). A worker of run R reads settled + pending of any other
 * run; an update from run R first settles another run's pending, then adds to R's. Updates are
 * merged under a lock file, written to a temporary file and renamed into place, so concurrent
 * workers lose no update and a kill mid-write leaves the previous file whole.
 */

const tallySchema = z.strictObject({
  uses: z.int().min(0),
  successes: z.int().min(0),
  worldHashPrefixes: z.array(z.string()),
})

const fileEntrySchema = z.strictObject({
  tool: z.string(),
  errorType: z.string(),
  stepName: z.string(),
  keywords: z.array(z.string()),
  worldChanged: z.boolean(),
  worldHashPrefixes: z.array(z.string()),
  action: z.enum(diagnosisActions),
  layer: z.enum(layers),
  uses: z.int().min(0),
  successes: z.int().min(0),
  pending: tallySchema.extend({ run: z.string().min(1) }).optional(),
})

export const memoryFileSchema = z.strictObject({
  version: z.literal(1),
  entries: z.array(fileEntrySchema),
})

export type MemoryFileEntry = z.infer<typeof fileEntrySchema>
export type MemoryFile = z.infer<typeof memoryFileSchema>

export class MemoryFileError extends Error {
  override readonly name = 'MemoryFileError'
  readonly code = 'AWRR_MEMORY_FILE_INVALID'
  constructor(readonly file: string, detail: string) {
    super(`[awrr] The memory bank "${file}" cannot be read: ${detail}. Delete it to start with an empty bank.`)
  }
}

export function isMemoryFileError(error: unknown): error is MemoryFileError {
  return error instanceof MemoryFileError
}

/** The file's entries; none when it does not exist yet. */
export function readMemoryFile(file: string): MemoryFileEntry[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new MemoryFileError(file, `not JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  const parsed = memoryFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MemoryFileError(file, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data.entries
}

/** What run `run` starts from: everything settled, plus what any other run left pending. */
export function memoryViewForRun(entries: readonly MemoryFileEntry[], run: string): MemoryEntry[] {
  const view: MemoryEntry[] = []
  for (const { pending, ...settled } of entries) {
    const entry: MemoryEntry = { ...settled, keywords: [...settled.keywords], worldHashPrefixes: [...settled.worldHashPrefixes] }
    if (pending && pending.run !== run) addEntry(entry, { ...entry, ...pending })
    if (entry.uses > 0) view.push(entry)
  }
  return view
}

/** Adds run `run`'s updates to the file's entries. Pure; the result is sorted by entry key. */
export function mergeUpdates(entries: readonly MemoryFileEntry[], run: string, updates: readonly MemoryUpdate[]): MemoryFileEntry[] {
  const byKey = new Map<string, MemoryFileEntry>()
  for (const entry of entries) byKey.set(entryKey(entry), structuredClone(entry))
  for (const update of updates) {
    const fresh = entryOf(update)
    const key = entryKey(fresh)
    let entry = byKey.get(key)
    if (!entry) {
      entry = { ...fresh, uses: 0, successes: 0, worldHashPrefixes: [] }
      byKey.set(key, entry)
    }
    if (entry.pending && entry.pending.run !== run) {
      const { run: _settledRun, ...earlier } = entry.pending
      addEntry(entry, { ...entry, ...earlier })
      delete entry.pending
    }
    const pending = entry.pending ?? { run, uses: 0, successes: 0, worldHashPrefixes: [] }
    pending.uses += fresh.uses
    pending.successes += fresh.successes
    pending.worldHashPrefixes = mergePrefixes(pending.worldHashPrefixes, fresh.worldHashPrefixes)
    entry.pending = pending
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry)
}

/** Points where a test can stop (or kill) a write half-way. Not for production use. */
export interface AtomicWriteHooks {
  /** After half of the temporary file is written. */
  midWrite?(): void | Promise<void>
  /** After the temporary file is complete and synced, before it replaces the file. */
  beforeRename?(): void | Promise<void>
}

/**
 * Replaces `file` with `text` so that a reader, or a process killed at any point, sees either the
 * old file or the new one: write a temporary file beside it, sync it, rename it over the file.
 */
export async function writeFileAtomically(file: string, text: string, hooks: AtomicWriteHooks = {}): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`
  const bytes = Buffer.from(text, 'utf8')
  const fd = openSync(temporary, 'wx')
  let open = true
  let renamed = false
  try {
    const half = Math.floor(bytes.length / 2)
    writeSync(fd, bytes, 0, half)
    await hooks.midWrite?.()
    writeSync(fd, bytes, half, bytes.length - half)
    fsyncSync(fd)
    closeSync(fd)
    open = false
    await hooks.beforeRename?.()
    renameSync(temporary, file)
    renamed = true
  } finally {
    if (open) closeSync(fd)
    if (!renamed) {
      try {
        unlinkSync(temporary)
      } catch {
        // Gone already.
      }
    }
  }
}

export interface MergeOptions {
  lock?: FileLockOptions
  hooks?: AtomicWriteHooks
}

/** Merges run `run`'s updates into `file` under its lock (`<file>.lock`). */
export async function mergeIntoMemoryFile(file: string, run: string, updates: readonly MemoryUpdate[], options: MergeOptions = {}): Promise<void> {
  if (updates.length === 0) return
  mkdirSync(path.dirname(file), { recursive: true })
  await withFileLock(
    `${file}.lock`,
    async () => {
      const merged = mergeUpdates(readMemoryFile(file), run, updates)
      const content: MemoryFile = { version: 1, entries: merged }
      await writeFileAtomically(file, JSON.stringify(content, null, 1) + '\n', options.hooks)
    },
    options.lock,
  )
}

/** Where a memory bank starts from, and where what it learns goes. */
export interface MemoryStore {
  readonly kind: 'fresh' | 'persist'
  load(): MemoryEntry[]
  save(updates: readonly MemoryUpdate[]): Promise<void>
}

/** Starts empty; keeps nothing beyond the strategy instance (one scenario file). */
export function freshMemory(): MemoryStore {
  return { kind: 'fresh', load: () => [], save: () => Promise.resolve() }
}

export interface PersistentMemoryOptions {
  /** The bank's file, e.g. `.awrr/memory/B4.json`. */
  file: string
  /** Identifies this run: every worker of one run must pass the same id. */
  run: string
  lock?: FileLockOptions
}

/** Starts from the bank the previous runs saved; merges this run's updates into it. */
export function persistentMemory(options: PersistentMemoryOptions): MemoryStore {
  return {
    kind: 'persist',
    load: () => memoryViewForRun(readMemoryFile(options.file), options.run),
    save: (updates) => mergeIntoMemoryFile(options.file, options.run, updates, options.lock ? { lock: options.lock } : {}),
  }
}

/** The store a learning strategy uses under a run's configuration (`memory` option). */
export function memoryStoreFor(config: Pick<RunConfig, 'root' | 'outputDirRelative' | 'memory'>, strategy: string): MemoryStore {
  if (config.memory?.mode !== 'persist') return freshMemory()
  const file = path.join(config.root, config.outputDirRelative, 'memory', `${strategy.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`)
  return persistentMemory({ file, run: config.memory.run })
}
