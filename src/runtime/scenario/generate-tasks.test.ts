import { describe, expect, it } from 'vitest'
import { createRandom } from '../random.ts'
import { builtinToolSpecs, isBuiltinTool } from '../tools/tool-specs.ts'
import { candidateSteps, generateTasks, placeFault, taskId, templatesOf } from './generate-tasks.ts'
import { balancedTemplates, profileTemplates, sagaTemplates, type FaultTemplate } from './profiles.ts'
import { faultSchema, generateSchema, profileNames, stepSchema, workflowNames, type GenerateSpec, type ProfileName } from './schema.ts'
import type { TaskSpec } from './task-spec.ts'
import { buildWorkflow } from './workflows.ts'

const suite = (fields: Partial<GenerateSpec> & { tasks: number }): GenerateSpec =>
  generateSchema.parse({ profile: 'balanced', ...fields })

/** The templates of `templates` that could have produced the task's main fault. */
const sourcesOf = (task: TaskSpec, templates: readonly FaultTemplate[]): FaultTemplate[] => {
  const fault = task.faults[0]
  if (!fault || fault.step === undefined) return []
  const tool = task.workflow[fault.step]?.tool ?? ''
  return templates.filter(
    (template) =>
      template.steps.includes(tool) &&
      template.types.includes(fault.type) &&
      template.mode === fault.mode &&
      template.prob === fault.prob,
  )
}

describe('generateTasks', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const spec = suite({ tasks: 200 })
    expect(generateTasks(spec, 42)).toEqual(generateTasks(spec, 42))
    expect(generateTasks(spec, 42)).not.toEqual(generateTasks(spec, 43))
  })

  it('keeps task i the same when the suite grows', () => {
    const small = generateTasks(suite({ tasks: 50 }), 7)
    const large = generateTasks(suite({ tasks: 900 }), 7)
    expect(large.slice(0, 50)).toEqual(small)
    // Past 1000 tasks only the id's padding changes.
    const huge = generateTasks(suite({ tasks: 1_001 }), 7)
    expect(huge.slice(0, 50).map(({ id: _, ...task }) => task)).toEqual(small.map(({ id: _, ...task }) => task))
  })

  it('numbers tasks T000, T001, ... with their index', () => {
    const tasks = generateTasks(suite({ tasks: 12 }), 1)
    expect(tasks.map((task) => task.id)).toEqual(Array.from({ length: 12 }, (_, i) => `T${String(i).padStart(3, '0')}`))
    expect(tasks.map((task) => task.index)).toEqual(Array.from({ length: 12 }, (_, i) => i))
    expect(taskId(999, 1_000)).toBe('T999')
    expect(taskId(7, 1_001)).toBe('T0007')
    expect(taskId(1_000, 1_001)).toBe('T1000')
    expect(taskId(0, 1)).toBe('T000')
  })

  it('emits plain JSON that the scenario schema accepts', () => {
    for (const profile of profileNames) {
      for (const task of generateTasks(suite({ tasks: 300, profile }), 3)) {
        expect(JSON.parse(JSON.stringify(task))).toEqual(task)
        for (const step of task.workflow) expect(() => stepSchema.parse(step)).not.toThrow()
        for (const fault of task.faults) expect(faultSchema.parse(fault)).toEqual(fault)
      }
    }
  })

  it('builds one pending record per task and approves it on success', () => {
    for (const task of generateTasks(suite({ tasks: 300 }), 5)) {
      const record = `REC${task.index + 1}`
      const value = task.world.records[record]?.['value']
      expect(task.world.records).toEqual({ [record]: { status: 'pending', value, payment_status: 'unpaid' } })
      expect(value).toBeGreaterThanOrEqual(100)
      expect(value).toBeLessThanOrEqual(500)
      expect(task.world.inventory['widget']).toBeGreaterThanOrEqual(8)
      expect(task.world.inventory['widget']).toBeLessThanOrEqual(20)
      expect(task.success).toEqual({ record, status: 'approved' })
      const payment = task.workflow.find((step) => step.tool === 'process_payment')
      if (payment) expect(payment.with).toEqual({ order_id: record, amount: value })
      const lock = task.workflow.find((step) => step.tool === 'lock_inventory')
      if (lock) expect([1, 2, 3]).toContain(lock.with?.['qty'])
    }
  })

  it('uses only the listed workflows, each about equally often', () => {
    const counts = new Map<string, number>()
    for (const task of generateTasks(suite({ tasks: 3_000 }), 11)) {
      const shape = task.workflow.map((step) => step.tool).join(',')
      counts.set(shape, (counts.get(shape) ?? 0) + 1)
    }
    expect(counts.size).toBe(3)
    for (const count of counts.values()) expect(count / 3_000).toBeCloseTo(1 / 3, 1)

    const only = generateTasks(suite({ tasks: 100, workflows: ['refund_flow'] }), 11)
    expect(new Set(only.map((task) => task.workflow[3]?.tool))).toEqual(new Set(['refund_payment']))
  })

  it.each(profileNames)('places every %s fault on a step whose tool its template names', (profile: ProfileName) => {
    const templates = profileTemplates[profile]
    for (const task of generateTasks(suite({ tasks: 1_000, profile }), 13)) {
      expect(task.faults.length).toBeGreaterThan(0)
      const [main] = task.faults
      expect(main?.id).toBe('F0')
      expect(sourcesOf(task, templates).length).toBeGreaterThan(0)
    }
  })

  it('respects the balanced weights over 2000 tasks', () => {
    const tasks = generateTasks(suite({ tasks: 2_000 }), 42)
    const counts = new Map<string, number>()
    for (const task of tasks) {
      const sources = sourcesOf(task, balancedTemplates)
      expect(sources).toHaveLength(1)
      const name = sources[0]?.name ?? ''
      counts.set(name, (counts.get(name) ?? 0) + 1)
    }
    // Every balanced template fits every workflow, so no redraw skews the shares.
    const total = balancedTemplates.reduce((sum, template) => sum + template.weight, 0)
    for (const template of balancedTemplates) {
      const share = (counts.get(template.name) ?? 0) / tasks.length
      expect(Math.abs(share - template.weight / total), template.name).toBeLessThan(0.035)
    }
  })

  it('prefers update_record for separation conflicts and forces their first attempt', () => {
    for (const task of generateTasks(suite({ tasks: 500, profile: 'separation' }), 17)) {
      const fault = task.faults[0]
      if (fault?.type !== 'Conflict') continue
      expect(task.workflow[fault.step ?? -1]?.tool).toBe('update_record')
      expect(fault).toMatchObject({ mode: 'stateful_conflict', prob: 0.5, force_first_attempt: true })
    }
  })

  it('puts saga faults after side effects and compensation faults where a compensation can run', () => {
    const tasks = generateTasks(suite({ tasks: 1_500, profile: 'saga' }), 19)
    let compensationFaults = 0
    let applied = 0
    for (const task of tasks) {
      const [main, ...rest] = task.faults
      if (!main || main.step === undefined) throw new Error(`task ${task.id} has no step fault`)
      const sources = sourcesOf(task, sagaTemplates)
      if (sources.every((template) => template.afterSideEffect)) {
        const before = task.workflow.slice(0, main.step)
        expect(before.some((step) => isBuiltinTool(step.tool) && builtinToolSpecs[step.tool].sideEffect)).toBe(true)
      }
      if (main.applied) {
        applied++
        expect(main.type).toBe('Timeout')
      }
      rest.forEach((fault, index) => {
        compensationFaults++
        expect(fault.id).toBe(`F${index + 1}`)
        expect(fault.step).toBeUndefined()
        // The compensation exists before the failing step, and the tool is not also a forward step.
        const compensated = task.workflow
          .slice(0, main.step)
          .some((step) => isBuiltinTool(step.tool) && builtinToolSpecs[step.tool].compensation?.tool === fault.tool)
        expect(compensated).toBe(true)
        expect(task.workflow.some((step) => step.tool === fault.tool)).toBe(false)
      })
    }
    expect(compensationFaults).toBeGreaterThan(50)
    expect(applied).toBeGreaterThan(100)
  })

  it('uses inline templates instead of the profile, redrawing those that do not fit', () => {
    const templates = [
      { name: 'audit_only', steps: ['write_audit'], types: ['HTTP_500' as const], prob: 1, weight: 100, mode: 'first_n' as const, times: 2 },
      { name: 'notify_only', steps: ['notify_user'], types: ['Timeout' as const], prob: 0.5, weight: 1, mode: 'once' as const },
    ]
    const spec = generateSchema.parse({ tasks: 600, templates, profile: 'saga' })
    expect(templatesOf(spec)).toBe(spec.templates)
    for (const task of generateTasks(spec, 23)) {
      const tools = task.workflow.map((step) => step.tool)
      const fault = task.faults[0]
      if (tools.includes('write_audit')) {
        expect(fault).toEqual({ id: 'F0', step: tools.indexOf('write_audit'), type: 'HTTP_500', mode: 'first_n', prob: 1, times: 2 })
      } else if (tools.includes('notify_user')) {
        expect(fault).toEqual({ id: 'F0', step: tools.indexOf('notify_user'), type: 'Timeout', mode: 'once', prob: 0.5 })
      } else {
        expect(task.faults).toEqual([]) // refund_flow: neither template fits
      }
    }
  })

  it('rejects a first_n template without times', () => {
    const spec = generateSchema.parse({
      tasks: 3,
      templates: [{ name: 'bad', steps: ['get_record'], types: ['Timeout'], prob: 1, weight: 1, mode: 'first_n' }],
    })
    expect(() => generateTasks(spec, 1)).toThrow(/first_n but no `times`/)
  })
})

describe('placeFault', () => {
  it('narrows candidates to preferred and post-side-effect steps', () => {
    const { workflow } = buildWorkflow('saga_payment', createRandom(1), 'REC1')
    const conflict = profileTemplates.separation[0] as FaultTemplate
    expect(candidateSteps(workflow, conflict)).toEqual([4])
    expect(candidateSteps(workflow, { ...conflict, prefer: ['send_message'] })).toEqual([3, 4, 6])
    const approveDown = sagaTemplates.find((template) => template.name === 'approve_down') as FaultTemplate
    const doubleWrite = buildWorkflow('double_write', createRandom(1), 'REC1').workflow
    expect(candidateSteps(doubleWrite, approveDown)).toEqual([]) // update_record is its first write
  })

  it('returns nothing when no template fits', () => {
    const { workflow } = buildWorkflow('refund_flow', createRandom(1), 'REC1')
    const onlyLock = [{ name: 'lock', steps: ['lock_inventory'], types: ['Timeout' as const], prob: 1, weight: 1, mode: 'once' as const }]
    expect(placeFault(workflow, onlyLock, createRandom(1))).toBeUndefined()
    expect(placeFault(workflow, [], createRandom(1))).toBeUndefined()
  })
})

describe('workflows', () => {
  it.each(workflowNames)('builds %s with the prototype steps', (name) => {
    const { workflow } = buildWorkflow(name, createRandom(2), 'REC3')
    const tools = workflow.map((step) => step.tool)
    expect(tools).toEqual(
      {
        saga_payment: ['get_record', 'auth_check', 'lock_inventory', 'process_payment', 'update_record', 'notify_user', 'commit'],
        double_write: ['get_record', 'policy_check', 'update_record', 'write_audit', 'commit'],
        refund_flow: ['get_record', 'auth_check', 'process_payment', 'refund_payment', 'update_record', 'commit'],
      }[name],
    )
    expect(workflow.find((step) => step.tool === 'update_record')?.with).toEqual({ record_id: 'REC3', patch: { status: 'approved' } })
  })
})
