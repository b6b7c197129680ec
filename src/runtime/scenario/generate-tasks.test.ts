import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createRandom } from '../random.ts'
import { builtinToolSpecs, isBuiltinTool } from '../tools/tool-specs.ts'
import { domainNames, domainOf, domainWorkflows, type DomainName } from './domains.ts'
import { candidateSteps, domainMixOf, generateTasks, partRange, placeFault, taskId, templatesOf } from './generate-tasks.ts'
import { balancedTemplates, profileTemplates, sagaTemplates, templatesForDomain, toolRoles, type FaultTemplate } from './profiles.ts'
import { faultSchema, generateSchema, profileNames, stepSchema, workflowNames, type GenerateSpec, type ProfileName } from './schema.ts'
import type { TaskSpec } from './task-spec.ts'
import { parseScenarioSource } from './load-scenario.ts'
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

  it('splits into parts that are, together and in order, exactly the whole suite', () => {
    const whole = generateTasks(suite({ tasks: 103, seed: 11 }), 11)
    const parts = [1, 2, 3, 4].map((index) => generateTasks(suite({ tasks: 103, seed: 11, part: `${index}/4` }), 11))
    expect(parts.flat()).toEqual(whole)
    expect(parts.map((part) => part.length)).toEqual([25, 26, 26, 26])
    expect(parts[1]![0]!.index).toBe(25)
    expect(partRange({ tasks: 10, part: '10/10' })).toEqual({ start: 9, end: 10 })
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
    const { workflow } = buildWorkflow('saga_payment', createRandom(1), 1)
    const conflict = profileTemplates.separation[0] as FaultTemplate
    expect(candidateSteps(workflow, conflict)).toEqual([4])
    expect(candidateSteps(workflow, { ...conflict, prefer: ['send_message'] })).toEqual([3, 4, 6])
    const approveDown = sagaTemplates.find((template) => template.name === 'approve_down') as FaultTemplate
    const doubleWrite = buildWorkflow('double_write', createRandom(1), 1).workflow
    expect(candidateSteps(doubleWrite, approveDown)).toEqual([]) // update_record is its first write
  })

  it('returns nothing when no template fits', () => {
    const { workflow } = buildWorkflow('refund_flow', createRandom(1), 1)
    const onlyLock = [{ name: 'lock', steps: ['lock_inventory'], types: ['Timeout' as const], prob: 1, weight: 1, mode: 'once' as const }]
    expect(placeFault(workflow, onlyLock, createRandom(1))).toBeUndefined()
    expect(placeFault(workflow, [], createRandom(1))).toBeUndefined()
  })
})

describe('workflows', () => {
  it.each(['saga_payment', 'double_write', 'refund_flow'] as const)('builds %s with the prototype steps', (name) => {
    const { workflow } = buildWorkflow(name, createRandom(2), 3)
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

describe('domains', () => {
  const domainOfTask = (task: TaskSpec): DomainName => {
    const first = task.workflow[0]?.tool
    return first === 'find_patient' ? 'healthcare' : first === 'fetch_draft' ? 'content' : 'ecommerce'
  }
  const countDomains = (tasks: readonly TaskSpec[]) => {
    const counts: Record<DomainName, number> = { ecommerce: 0, healthcare: 0, content: 0 }
    for (const task of tasks) counts[domainOfTask(task)]++
    return counts
  }
  const mixed = (fields: Partial<GenerateSpec> = {}) => suite({ tasks: 300, domains: [...domainNames], ...fields })

  it('leaves the prototype suites as they were before domains existed, byte for byte', () => {
    const ecommerce = ['saga_payment', 'double_write', 'refund_flow'] as const
    const digest = (profile: ProfileName) =>
      createHash('sha256').update(JSON.stringify(generateTasks(suite({ tasks: 1_000, profile, workflows: [...ecommerce] }), 42))).digest('hex')
    // Computed from the generator before healthcare and content were added.
    expect(digest('balanced')).toBe('5524bfb08616402daf36b18c0ecaaf1cd535bafb4cf5d61137de3180a9cd0957')
    expect(digest('separation')).toBe('5125ebaa930ddd25b1e9445451145b232091eca2e3790830b163944c0e51328c')
  })

  it('mixes a list of domains 40/30/30, to within two tasks in every stretch of the suite', () => {
    const tasks = generateTasks(mixed({ tasks: 1_000 }), 42)
    for (const [start, end] of [[0, 300], [0, 100], [500, 1_000], [37, 137]] as const) {
      const counts = countDomains(tasks.slice(start, end))
      const size = end - start
      expect(Math.abs(counts.ecommerce - 0.4 * size), `${start}-${end}`).toBeLessThanOrEqual(2)
      expect(Math.abs(counts.healthcare - 0.3 * size), `${start}-${end}`).toBeLessThanOrEqual(2)
      expect(Math.abs(counts.content - 0.3 * size), `${start}-${end}`).toBeLessThanOrEqual(2)
    }
    // Task i is the same whatever the suite's size.
    expect(generateTasks(mixed({ tasks: 50 }), 42)).toEqual(tasks.slice(0, 50))
  })

  it('takes weights from mix, which names the domains when domains does not', () => {
    const counts = countDomains(generateTasks(suite({ tasks: 300, mix: { healthcare: 3, content: 1 } }), 8))
    expect(counts.ecommerce).toBe(0)
    expect(Math.abs(counts.healthcare - 225)).toBeLessThanOrEqual(2)
    expect(countDomains(generateTasks(suite({ tasks: 300, domains: ['content'] }), 8))).toEqual({ ecommerce: 0, healthcare: 0, content: 300 })
  })

  it('narrows a domain to the workflows listed for it and gives the others all of theirs', () => {
    const tasks = generateTasks(mixed({ domains: ['healthcare', 'content'], workflows: ['appointment_booking'] }), 3)
    const shapes = new Map<string, Set<string>>()
    for (const task of tasks) {
      const shape = task.workflow.map((step) => step.tool).join(',')
      const domain = domainOfTask(task)
      shapes.set(domain, (shapes.get(domain) ?? new Set()).add(shape))
    }
    expect(shapes.get('healthcare')?.size).toBe(1)
    expect(shapes.get('content')?.size).toBe(3)
    // Without `domains`, the listed workflows decide them.
    expect(countDomains(generateTasks(suite({ tasks: 100, workflows: ['copay_waiver'] }), 3)).healthcare).toBe(100)
  })

  it.each(domainNames)('builds every %s workflow from that domain\'s tools, with its own success oracle', (domain) => {
    const own = new Set<string>(['commit', 'write_audit'])
    if (domain !== 'ecommerce') for (const tool of Object.values(toolRoles[domain])) own.add(tool)
    for (const name of domainWorkflows[domain]) {
      expect(domainOf(name)).toBe(domain)
      const { workflow, world, success } = buildWorkflow(name, createRandom(4), 7)
      if (domain !== 'ecommerce') for (const step of workflow) expect(own, `${name}: ${step.tool}`).toContain(step.tool)
      expect(world.records[success.record ?? '']?.['status']).not.toBe(success.status)
    }
  })

  it('aims each profile at the domain\'s tools: a payment fault hits the copay, or the upload', () => {
    const conflict = balancedTemplates.find((template) => template.name === 'conflict_stateful')!
    expect(templatesForDomain([conflict], 'healthcare')[0]?.steps).toEqual(['charge_copay', 'confirm_appointment', 'commit'])
    expect(templatesForDomain([conflict], 'content')[0]?.steps).toEqual(['upload_asset', 'publish', 'commit'])
    expect(templatesForDomain(balancedTemplates, 'ecommerce')).toBe(balancedTemplates)
    const refundBlip = sagaTemplates.find((template) => template.name === 'approve_down_refund_blip')!
    expect(templatesForDomain([refundBlip], 'healthcare')[0]?.compensationFaults?.[0]?.tool).toBe('refund_copay')

    for (const profile of profileNames) {
      const spec = mixed({ profile, tasks: 300 })
      const mix = domainMixOf(spec)
      for (const task of generateTasks(spec, 29)) {
        const templates = mix.templates[domainOfTask(task)] ?? []
        if (profile !== 'saga') expect(task.faults.length, task.id).toBeGreaterThan(0)
        if (task.faults.length > 0) expect(sourcesOf(task, templates).length, `${profile} ${task.id}`).toBeGreaterThan(0)
        for (const step of task.workflow) expect(() => stepSchema.parse(step)).not.toThrow()
        for (const fault of task.faults) {
          expect(faultSchema.parse(fault)).toEqual(fault)
          const tool = fault.step === undefined ? fault.tool! : task.workflow[fault.step]!.tool
          if (domainOfTask(task) !== 'ecommerce') expect(['get_record', 'update_record', 'process_payment', 'refund_payment', 'unlock_inventory']).not.toContain(tool)
        }
      }
    }
  })

  it('checks domains and mix in the schema, with the loader\'s position and wording', () => {
    const issues = (generate: string) => {
      const parsed = parseScenarioSource(`generate:\n  tasks: 3\n  profile: balanced\n${generate}\n`, 'suite.scenario.yaml')
      return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.line}:${issue.column} ${issue.message}`)
    }
    expect(issues('  domains: [retail]')).toEqual(['4:13 generate.domains.0 must be one of ecommerce, healthcare, content (got retail)'])
    expect(issues('  mix: { retail: 1 }')).toEqual(['4:10 generate.mix.retail is not a known key (expected one of ecommerce, healthcare, content)'])
    expect(issues('  mix: { healthcare: 0 }')).toEqual(['4:22 generate.mix.healthcare must be a number > 0 (got 0)'])
    expect(issues('  mix: {}')).toEqual(['4:8 generate.mix must be a weight for at least one of ecommerce, healthcare, content (got an empty mapping)'])
    expect(issues('  domains: [healthcare]\n  mix: { content: 1 }')).toEqual([
      '5:19 generate.mix.content must be a domain listed in `domains` (healthcare) (got content)',
    ])
    expect(issues('  domains: [healthcare, content]\n  mix: { content: 1 }')).toEqual([])
    expect(workflowNames).toHaveLength(10)
  })
})
