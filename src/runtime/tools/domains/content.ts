import type { ToolImplementation } from '../builtin-tools.ts'
import type { ToolSpec } from '../tool-specs.ts'
import { appendAudit, cloneData } from '../world.ts'
import { fail, findRecord, missing, ok, text } from './tool-answers.ts'

/**
 * Content publishing: a draft goes through moderation, gets its assets uploaded, is published and
 * announced. Modelled in the shared world so checkpoints, rollback and the consistency oracle apply:
 * - a draft is a record with a status (`DRAFT1: { status: draft, title, moderation: clean, assets: [] }`);
 * - the CDN's storage is inventory (`asset_storage: 4` free units, one per asset), so an asset
 *   uploaded by a task that then gave up, and never deleted, shows up as storage that did not come
 *   back: the orphaned-upload leak of a real publishing pipeline;
 * - deleting is soft, as on a versioned bucket: the asset moves to the draft's `trash` (freeing its
 *   unit) and `restore_asset` brings it back, so a delete made by a task that gives up can be undone.
 */

export const contentToolNames = [
  'fetch_draft',
  'moderation_check',
  'upload_asset',
  'delete_asset',
  'restore_asset',
  'publish',
  'unpublish',
  'notify_subscribers',
] as const

export type ContentToolName = (typeof contentToolNames)[number]

/** The inventory key of the CDN's free storage units. */
export const ASSET_STORAGE = 'asset_storage'

export const PUBLISHED_STATUS = 'published'

const correction = { correction: true, body: 'Please disregard our last announcement: that post is not available.' }

export const contentToolSpecs: Readonly<Record<ContentToolName, ToolSpec>> = {
  fetch_draft: { name: 'fetch_draft', sideEffect: false, irreversible: false, baseLatencyMs: 40 },
  // A classifier call: a read, but the slowest one.
  moderation_check: { name: 'moderation_check', sideEffect: false, irreversible: false, baseLatencyMs: 150 },
  upload_asset: {
    name: 'upload_asset',
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'delete_asset', args: { record_id: 'record_id', asset_id: 'asset_id' } },
    baseLatencyMs: 180,
  },
  delete_asset: {
    name: 'delete_asset',
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'restore_asset', args: { record_id: 'record_id', asset_id: 'asset_id' } },
    baseLatencyMs: 70,
  },
  restore_asset: { name: 'restore_asset', sideEffect: true, irreversible: false, baseLatencyMs: 75 },
  publish: {
    name: 'publish',
    sideEffect: true,
    irreversible: false,
    compensation: { tool: 'unpublish', args: { record_id: 'record_id' }, fromResult: { status: 'previous_status' } },
    baseLatencyMs: 70,
  },
  unpublish: { name: 'unpublish', sideEffect: true, irreversible: false, baseLatencyMs: 60 },
  // Subscribers' inboxes are out of reach: the compensation is a correction.
  notify_subscribers: {
    name: 'notify_subscribers',
    sideEffect: true,
    irreversible: true,
    compensation: { tool: 'send_message', args: { to: 'record_id' }, fixed: correction },
    baseLatencyMs: 120,
  },
}

const assetList = (draft: Record<string, unknown>, key: 'assets' | 'trash'): string[] => {
  const list = draft[key]
  return Array.isArray(list) ? list.filter((asset): asset is string => typeof asset === 'string') : []
}
const assetsOf = (draft: Record<string, unknown>) => assetList(draft, 'assets')

export const contentTools: Readonly<Record<ContentToolName, ToolImplementation>> = {
  fetch_draft(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    return 'answer' in found ? found.answer : ok({ record_id: found.id, draft: cloneData(found.record) })
  },
  moderation_check(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    if (found.record['moderation'] === 'flagged') return fail(403, 'policy_rejected', `draft ${found.id} breaks the content policy`)
    return ok({ record_id: found.id, verdict: 'clean' })
  },
  upload_asset(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    const asset = text(args, 'asset_id')
    if (asset === undefined) return missing('asset_id')
    const free = world.inventory[ASSET_STORAGE] ?? 0
    if (free < 1) return fail(507, 'storage_full', 'no storage left for assets')
    world.inventory[ASSET_STORAGE] = free - 1
    found.record['assets'] = [...assetsOf(found.record), asset]
    appendAudit(world, 'write', 'upload_asset', { record_id: found.id, asset_id: asset })
    return ok({ record_id: found.id, asset_id: asset, url: `https://cdn.awrr.test/${found.id}/${asset}` })
  },
  delete_asset(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    const asset = text(args, 'asset_id')
    if (asset === undefined) return missing('asset_id')
    const assets = assetsOf(found.record)
    if (!assets.includes(asset)) return fail(404, 'not_found', `draft ${found.id} has no asset ${asset}`)
    found.record['assets'] = assets.filter((other) => other !== asset)
    found.record['trash'] = [...assetList(found.record, 'trash'), asset]
    world.inventory[ASSET_STORAGE] = (world.inventory[ASSET_STORAGE] ?? 0) + 1
    appendAudit(world, 'write', 'delete_asset', { record_id: found.id, asset_id: asset })
    return ok({ record_id: found.id, asset_id: asset, deleted: true })
  },
  restore_asset(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    const asset = text(args, 'asset_id')
    if (asset === undefined) return missing('asset_id')
    const trash = assetList(found.record, 'trash')
    if (!trash.includes(asset)) return fail(404, 'not_found', `draft ${found.id} has no deleted asset ${asset}`)
    const free = world.inventory[ASSET_STORAGE] ?? 0
    if (free < 1) return fail(507, 'storage_full', 'no storage left to restore the asset')
    found.record['trash'] = trash.filter((other) => other !== asset)
    found.record['assets'] = [...assetsOf(found.record), asset]
    world.inventory[ASSET_STORAGE] = free - 1
    appendAudit(world, 'write', 'restore_asset', { record_id: found.id, asset_id: asset })
    return ok({ record_id: found.id, asset_id: asset, restored: true })
  },
  publish(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    if (found.record['moderation'] === 'flagged') return fail(403, 'policy_rejected', `draft ${found.id} did not pass moderation`)
    const previous = found.record['status'] ?? null
    found.record['status'] = PUBLISHED_STATUS
    appendAudit(world, 'write', 'publish', { record_id: found.id })
    return ok({ record_id: found.id, status: PUBLISHED_STATUS, previous_status: previous })
  },
  unpublish(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    const status = text(args, 'status') ?? 'draft'
    found.record['status'] = status
    appendAudit(world, 'write', 'unpublish', { record_id: found.id, status })
    return ok({ record_id: found.id, status })
  },
  notify_subscribers(world, args) {
    const found = findRecord(world, args, 'record_id', 'draft')
    if ('answer' in found) return found.answer
    const audience = text(args, 'audience') ?? 'subscribers'
    world.messages.push({ to: `${audience}:${found.id}`, body: text(args, 'message') ?? `New post: ${String(found.record['title'] ?? found.id)}`, correction: false })
    appendAudit(world, 'message', 'notify_subscribers', { record_id: found.id, audience })
    return ok({ delivered: true, audience, record_id: found.id })
  },
}
