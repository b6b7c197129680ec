import { createRandom, hashSeed, type Random } from '../random.ts'
import { builtinToolSpecs, isBuiltinTool } from '../tools/tool-specs.ts'
import { resolveDomainMix, type DomainName, type DomainShare } from './domains.ts'
import { profileTemplates, templatesForDomain, type FaultTemplate } from './profiles.ts'
import type { FaultType, GenerateSpec, StepSpec } from './schema.ts'
import type { ResolvedFault, TaskSpec } from './task-spec.ts'
import { buildWorkflow } from './workflows.ts'

/**
 * Expands a `generate:` suite into its tasks. Task i draws everything (workflow, amounts, fault)
 * from its own random source seeded with `hashSeed(seed, 'task', i)`, so it is the same task
 * whether the suite has 10 tasks or 10,000, and whichever worker builds it.
 *
 * Draw order inside a task: workflow, the workflow's own values, template, (template again when
 * the first one has no step in this workflow), step, type. The domain is not drawn (see
 * `domainAt`), so a single-domain e-commerce suite is the prototype's, draw for draw.
 */
export function generateTasks(spec: GenerateSpec, seed: number): TaskSpec[] {
  const mix = domainMixOf(spec)
  const { start, end } = partRange(spec)
  const tasks: TaskSpec[] = []
  for (let index = start; index < end; index++) {
    tasks.push(generateTask(spec.tasks, mix, seed, index))
  }
  return tasks
}

/**
 * The task indices a `part: i/n` file runs: the i-th of n contiguous, near-equal shares. Each task
 * is generated from its own index, so the parts together are exactly the whole suite.
 */
export function partRange(spec: Pick<GenerateSpec, 'tasks' | 'part'>): { start: number; end: number } {
  if (spec.part === undefined) return { start: 0, end: spec.tasks }
  const [index, of] = spec.part.split('/').map(Number) as [number, number]
  return { start: Math.floor(((index - 1) * spec.tasks) / of), end: Math.floor((index * spec.tasks) / of) }
}

/** A suite's domains, each with its weight, its workflows and the templates aimed at its tools. */
export interface DomainMix {
  shares: readonly DomainShare[]
  templates: Readonly<Partial<Record<DomainName, readonly FaultTemplate[]>>>
}

export function domainMixOf(spec: GenerateSpec): DomainMix {
  const base = templatesOf(spec)
  const shares = resolveDomainMix(spec)
  if (shares.length === 0) throw new TypeError('[awrr] A `generate:` suite needs at least one domain with a positive weight.')
  const templates: Partial<Record<DomainName, readonly FaultTemplate[]>> = {}
  for (const share of shares) templates[share.domain] = templatesForDomain(base, share.domain)
  return { shares, templates }
}

const INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2

/**
 * The domain of task `index`. Spread by a golden-ratio (Weyl) sequence from a seeded offset instead
 * of drawn: every stretch of the suite holds the mix to within a task or two, where independent
 * draws would not (300 tasks drawn at seed 42 come out 151/82/67 for a 40/30/30 mix). It still
 * depends only on (seed, index), so a task is the same whatever the suite's size.
 */
export function domainAt(shares: readonly DomainShare[], seed: number, index: number): DomainShare {
  if (shares.length === 1) return shares[0]!
  const offset = createRandom(hashSeed(seed, 'domains')).next()
  const position = (offset + index * INVERSE_GOLDEN_RATIO) % 1
  const total = shares.reduce((sum, share) => sum + share.weight, 0)
  let cumulative = 0
  for (const share of shares) {
    cumulative += share.weight / total
    if (position < cumulative) return share
  }
  return shares[shares.length - 1]!
}

/** The templates a suite draws from: its inline `templates:`, else its profile's. */
export function templatesOf(spec: GenerateSpec): readonly FaultTemplate[] {
  if (spec.templates) return spec.templates
  if (spec.profile) return profileTemplates[spec.profile]
  throw new TypeError('[awrr] A `generate:` suite needs a `profile` or `templates` (the schema should have caught this).')
}

/**
 * `T000`, `T001`, ...: zero-padded to 3 digits, or to the width of the last index when the suite
 * has more than 1000 tasks, so ids sort in task order.
 */
export function taskId(index: number, tasks: number): string {
  const width = Math.max(3, String(Math.max(tasks - 1, 0)).length)
  return `T${String(index).padStart(width, '0')}`
}

function generateTask(taskCount: number, mix: DomainMix, seed: number, index: number): TaskSpec {
  const random = createRandom(hashSeed(seed, 'task', index))
  const share = domainAt(mix.shares, seed, index)
  const workflowName = random.pick(share.workflows)
  // REC1 for T000: record ids start at 1 as in the prototype and the scenario examples.
  const { workflow, world, success } = buildWorkflow(workflowName, random, index + 1)
  const placed = placeFault(workflow, mix.templates[share.domain] ?? [], random)
  return {
    id: taskId(index, taskCount),
    index,
    world,
    workflow,
    faults: placed ? faultsOf(placed, workflow) : [],
    success,
  }
}

/** Where a template's fault landed in one workflow. */
export interface PlacedFault {
  template: FaultTemplate
  step: number
  type: FaultType
}

/**
 * Draws a template by weight and places its fault on one of the steps it may hit. A template with
 * no such step in this workflow is redrawn once, by weight, among the templates that fit; when
 * none fits, the task runs without a fault.
 */
export function placeFault(
  workflow: readonly StepSpec[],
  templates: readonly FaultTemplate[],
  random: Random,
): PlacedFault | undefined {
  if (templates.length === 0) return undefined
  let template = random.weighted(templates.map((value) => ({ value, weight: value.weight })))
  let candidates = candidateSteps(workflow, template)
  if (candidates.length === 0) {
    const fitting = templates.filter((candidate) => candidateSteps(workflow, candidate).length > 0)
    if (fitting.length === 0) return undefined
    template = random.weighted(fitting.map((value) => ({ value, weight: value.weight })))
    candidates = candidateSteps(workflow, template)
  }
  return { template, step: random.pick(candidates), type: random.pick(template.types) }
}

/** Step indices the template may hit in this workflow, narrowed to its preferred tools if any. */
export function candidateSteps(workflow: readonly StepSpec[], template: FaultTemplate): number[] {
  const matching: number[] = []
  let sideEffectSeen = false
  workflow.forEach((step, index) => {
    if (template.steps.includes(step.tool) && (!template.afterSideEffect || sideEffectSeen)) matching.push(index)
    if (hasSideEffect(step.tool)) sideEffectSeen = true
  })
  const preferred = template.prefer ? matching.filter((index) => template.prefer?.includes(workflow[index]!.tool)) : []
  return preferred.length > 0 ? preferred : matching
}

const hasSideEffect = (tool: string): boolean => isBuiltinTool(tool) && builtinToolSpecs[tool].sideEffect

/** The task's faults: the placed one as `F0`, then its compensation faults as `F1`, `F2`, ... */
function faultsOf({ template, step, type }: PlacedFault, workflow: readonly StepSpec[]): ResolvedFault[] {
  if (template.mode === 'first_n' && template.times === undefined) {
    throw new RangeError(`[awrr] Fault template "${template.name}" has mode first_n but no \`times\`; add \`times: N\`.`)
  }
  const main: ResolvedFault = { id: 'F0', step, type, mode: template.mode, prob: template.prob }
  if (template.times !== undefined) main.times = template.times
  if (template.force_first_attempt !== undefined) main.force_first_attempt = template.force_first_attempt
  if (template.applied !== undefined && type === 'Timeout') main.applied = template.applied
  const faults = [main]

  const before = workflow.slice(0, step)
  for (const extra of template.compensationFaults ?? []) {
    const compensates = before.some(
      (earlier) => isBuiltinTool(earlier.tool) && builtinToolSpecs[earlier.tool].compensation?.tool === extra.tool,
    )
    const calledForward = workflow.some((any) => any.tool === extra.tool)
    if (!compensates || calledForward) continue
    const fault: ResolvedFault = { id: `F${faults.length}`, tool: extra.tool, type: extra.type, mode: extra.mode, prob: extra.prob }
    if (extra.times !== undefined) fault.times = extra.times
    faults.push(fault)
  }
  return faults
}
