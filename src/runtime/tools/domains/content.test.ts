import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTask } from '../../executor/run-task.ts'
import { createRandom } from '../../random.ts'
import type { WorkflowName } from '../../scenario/domains.ts'
import type { ResolvedFault, TaskSpec } from '../../scenario/task-spec.ts'
import { buildWorkflow } from '../../scenario/workflows.ts'
import { naiveRetry, noRecovery, ruleBased } from '../../strategies/builtin-strategies.ts'
import type { RecoveryStrategy } from '../../strategies/recovery-strategy.ts'
import { closeToolServer, ensureToolServer } from '../../interception/index.ts'
import { builtinToolSpecs } from '../tool-specs.ts'
import { createWorld } from '../world.ts'
import { ASSET_STORAGE, contentTools } from './content.ts'

beforeAll(() => ensureToolServer())
afterAll(() => closeToolServer())

const newsroom = (storage = 1, moderation = 'clean') =>
  createWorld({
    records: { DRAFT1: { status: 'draft', title: 'Launch', moderation, assets: ['OLD'] } },
    inventory: { [ASSET_STORAGE]: storage },
  })

describe('content tools', () => {
  it('uploads into free storage, deletes into the trash and restores from it', () => {
    const world = newsroom(1)
    expect(contentTools.upload_asset(world, { record_id: 'DRAFT1', asset_id: 'NEW' }).status).toBe(200)
    expect(world.inventory[ASSET_STORAGE]).toBe(0)
    expect(contentTools.upload_asset(world, { record_id: 'DRAFT1', asset_id: 'MORE' })).toMatchObject({ status: 507 })
    contentTools.delete_asset(world, { record_id: 'DRAFT1', asset_id: 'OLD' })
    expect(world.records['DRAFT1']).toMatchObject({ assets: ['NEW'], trash: ['OLD'] })
    expect(world.inventory[ASSET_STORAGE]).toBe(1)
    contentTools.restore_asset(world, { record_id: 'DRAFT1', asset_id: 'OLD' })
    expect(world.records['DRAFT1']).toMatchObject({ assets: ['NEW', 'OLD'], trash: [] })
    expect(world.inventory[ASSET_STORAGE]).toBe(0)
    expect(contentTools.delete_asset(world, { record_id: 'DRAFT1', asset_id: 'GONE' }).status).toBe(404)
  })

  it('publishes a clean draft, unpublishes back to its status, and refuses a flagged one', () => {
    const world = newsroom()
    expect(contentTools.publish(world, { record_id: 'DRAFT1' }).body).toEqual({
      ok: true,
      result: { record_id: 'DRAFT1', status: 'published', previous_status: 'draft' },
    })
    contentTools.unpublish(world, { record_id: 'DRAFT1', status: 'draft' })
    expect(world.records['DRAFT1']?.['status']).toBe('draft')
    const flagged = newsroom(1, 'flagged')
    expect(contentTools.moderation_check(flagged, { record_id: 'DRAFT1' })).toMatchObject({ status: 403, body: { error: { code: 'policy_rejected' } } })
    expect(contentTools.publish(flagged, { record_id: 'DRAFT1' }).status).toBe(403)
    expect(flagged.records['DRAFT1']?.['status']).toBe('draft')
  })

  it('declares the saga: upload, delete and publish undo, the announcement is irreversible', () => {
    expect(builtinToolSpecs.upload_asset.compensation?.tool).toBe('delete_asset')
    expect(builtinToolSpecs.delete_asset.compensation?.tool).toBe('restore_asset')
    expect(builtinToolSpecs.publish.compensation?.tool).toBe('unpublish')
    expect(builtinToolSpecs.notify_subscribers).toMatchObject({ sideEffect: true, irreversible: true })
    expect(builtinToolSpecs.moderation_check.sideEffect).toBe(false)
  })
})

describe('content workflows through the tool service', () => {
  const task = (name: WorkflowName, faults: ResolvedFault[]): TaskSpec => {
    const { workflow, world, success } = buildWorkflow(name, createRandom(9), 1)
    return { id: 'main', index: 0, workflow, world, success, faults }
  }
  const run = (spec: TaskSpec, strategy: RecoveryStrategy) =>
    runTask({
      task: spec,
      scenario: 'content-test',
      file: 'src/runtime/tools/domains/content.test.ts',
      seed: 42,
      batch: 0,
      strategy,
      trace: { emit: () => undefined },
      tracePath: '.awrr/traces/test.jsonl',
    })
  const publishDown: ResolvedFault = { id: 'F0', step: 4, type: 'HTTP_500', mode: 'persistent', prob: 1 }

  it.each(['article_publish', 'quick_publish', 'asset_swap'] as const)('publishes %s with no fault', async (name) => {
    expect(await run(task(name, []), ruleBased())).toMatchObject({ outcome: 'completed', consistent: true })
  })

  it('takes the post down and deletes the upload when subscribers cannot be told', async () => {
    const summary = await run(task('article_publish', [publishDown]), ruleBased())
    expect(summary.outcome).toBe('escalated')
    expect(summary.compensations).toEqual([
      { tool: 'unpublish', step: 3, ok: true },
      { tool: 'delete_asset', step: 2, ok: true },
    ])
    expect(summary.inconsistencies).toEqual([])
  })

  it('restores the old image of an asset swap whose publish keeps failing', async () => {
    const swapPublishDown: ResolvedFault = { ...publishDown, step: 4 }
    const retried = await run(task('asset_swap', [swapPublishDown]), naiveRetry())
    expect(retried.outcome).toBe('failed')
    expect(retried.compensations.map((entry) => entry.tool)).toEqual(['restore_asset', 'delete_asset'])
    expect(retried.consistent).toBe(true)
    // Without compensation an upload stays behind: its storage does not come back.
    const dropped = await run(task('article_publish', [publishDown]), noRecovery())
    expect(dropped.outcome).toBe('failed')
    expect(dropped.inconsistencies).toContainEqual(expect.stringMatching(/^inventory asset_storage is \d+, was \d+$/))
  })
})
