import { z } from 'zod'
import { builtinToolNames, isBuiltinTool } from '../tools/tool-specs.ts'

/**
 * The scenario file format. This schema is the single source of the `Scenario` type and of
 * `schema/scenario.schema.json`, which editors use for completion.
 */

export const faultTypes = [
  'Timeout',
  'HTTP_500',
  'Unavailable',
  'RateLimited',
  'NetworkError',
  'AuthDenied',
  'NotFound',
  'BadRequest',
  'PolicyRejected',
  'WrongData',
  'Conflict',
  'StateCorruption',
] as const
export type FaultType = (typeof faultTypes)[number]

export const faultModes = ['once', 'per_attempt', 'persistent', 'stateful_conflict', 'first_n'] as const
export type FaultMode = (typeof faultModes)[number]

export const layers = ['transient', 'persistent', 'semantic', 'cascade'] as const
export type Layer = (typeof layers)[number]

export const outcomes = ['completed', 'escalated', 'failed'] as const
export type Outcome = (typeof outcomes)[number]

export const workflowNames = ['saga_payment', 'double_write', 'refund_flow'] as const
export type WorkflowName = (typeof workflowNames)[number]

export const profileNames = ['balanced', 'separation', 'saga'] as const
export type ProfileName = (typeof profileNames)[number]

const identifier = z.string().min(1).max(200)
const jsonObject = z.record(z.string(), z.unknown())

/**
 * zod skips refinements once any field has a type error or an unknown key; a cross-field check
 * that reads only `fields` still runs when those parsed, so one pass reports every problem.
 */
function whenParsed(...fields: string[]) {
  return ({ value, issues }: z.core.ParsePayload): boolean =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !issues.some((issue) => issue.continue !== true && fields.includes(String(issue.path?.[0])))
}

/** Stable issue code and wording for the loader: `<path> must be <expected> (got <received>)`. */
interface IssueParams {
  code: string
  expected: string
  received?: string
}
const neitherOrBoth = (first: unknown) => (first === undefined ? 'neither' : 'both')

function addUnknownTool(ctx: z.RefinementCtx, path: (string | number)[], tool: string): void {
  ctx.addIssue({
    code: 'custom',
    path,
    message: `unknown tool "${tool}"; known tools: ${builtinToolNames.join(', ')}`,
    params: { code: 'unknown_tool', expected: `a built-in tool (${builtinToolNames.join(', ')})` } satisfies IssueParams,
  })
}

export const compensationSchema = z.strictObject({
  tool: identifier.describe('The tool that undoes this step.'),
  with: jsonObject.optional().describe("Arguments of the compensation; default: the step's own."),
})

export const stepSchema = z.strictObject({
  tool: identifier.describe('Name of the tool to call: a built-in tool or one declared under `tools:`.'),
  with: jsonObject.optional().describe('JSON arguments of the call.'),
  name: identifier.optional().describe('A name for the step; default: the tool name.'),
  compensate: compensationSchema.optional().describe("Undoes this step's side effect when the task gives up."),
})

export const faultSchema = z
  .strictObject({
    id: identifier.optional().describe('Identifier in traces; default: F<index>.'),
    step: z.int().min(0).optional().describe('0-based index into the workflow.'),
    tool: identifier.optional().describe('Every call of this tool (compensations included).'),
    type: z.enum(faultTypes),
    mode: z.enum(faultModes).default('once'),
    prob: z.number().min(0).max(1).default(1),
    times: z.int().positive().optional().describe('With mode first_n: how many attempts fail.'),
    layer: z.enum(layers).optional().describe("Overrides the type's default layer in the ground truth."),
    latency_ms: z.number().min(0).max(3_600_000).optional(),
    jitter_ms: z.number().min(0).max(3_600_000).optional(),
    status: z.int().min(100).max(599).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    applied: z.boolean().optional().describe('Timeout only: the write happened, the answer was lost.'),
    force_first_attempt: z.boolean().optional().describe('The first attempt is always hit.'),
  })
  .superRefine(
    (fault, ctx) => {
      if ((fault.step === undefined) === (fault.tool === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'exactly one of `step` or `tool` is required',
          params: { code: 'custom', expected: 'a fault with exactly one of `step` or `tool`', received: neitherOrBoth(fault.step) } satisfies IssueParams,
        })
      }
      if (fault.mode === 'first_n' && fault.times === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['times'],
          message: 'mode first_n needs a positive `times`',
          params: { code: 'missing_times', expected: 'a positive integer when mode is first_n' } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('step', 'tool', 'mode', 'times') },
  )

export const successSchema = z.strictObject({
  record: identifier.describe('Record id the oracle checks.'),
  status: identifier.describe('Status the record must have at the end.'),
})

export const worldSchema = z.strictObject({
  records: z.record(z.string(), jsonObject).default({}),
  inventory: z.record(z.string(), z.int().min(0)).default({}),
})

export const budgetSchema = z.strictObject({
  tool_calls: z.int().positive().max(100_000).optional(),
  virtual_ms: z.number().positive().optional(),
  tokens: z.int().positive().optional(),
})

export const expectSchema = z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.enum(outcomes))

export const templateSchema = z.strictObject({
  name: identifier,
  steps: z.array(identifier).min(1).describe('Tool names the fault may hit.'),
  types: z.array(z.enum(faultTypes)).min(1),
  prob: z.number().min(0).max(1),
  weight: z.number().positive(),
  mode: z.enum(faultModes),
  times: z.int().positive().optional(),
  force_first_attempt: z.boolean().optional(),
})

export const generateSchema = z.strictObject({
  tasks: z.int().min(1).max(1_000_000),
  seed: z.int().optional(),
  profile: z.enum(profileNames).optional(),
  templates: z.array(templateSchema).min(1).optional(),
  workflows: z.array(z.enum(workflowNames)).min(1).default([...workflowNames]),
})

export const scenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: identifier.regex(/^[A-Za-z0-9_.-]+$/).optional().describe('Default: the file name without .scenario.yaml.'),
    description: z.string().max(10_000).optional(),
    tags: z.array(identifier).optional(),
    seed: z.int().optional(),
    world: worldSchema.optional(),
    workflow: z.array(stepSchema).min(1).max(1_000).optional(),
    faults: z.array(faultSchema).max(1_000).default([]),
    success: successSchema.optional(),
    budget: budgetSchema.optional(),
    expect: expectSchema.optional(),
    generate: generateSchema.optional(),
  })
  .superRefine(
    (scenario, ctx) => {
      if ((scenario.workflow === undefined) === (scenario.generate === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'exactly one of `workflow` or `generate` is required',
          params: {
            code: 'custom',
            expected: 'a mapping with exactly one of `workflow:` or `generate:`',
            received: neitherOrBoth(scenario.workflow),
          } satisfies IssueParams,
        })
      } else if (scenario.generate && !scenario.generate.profile && !scenario.generate.templates) {
        ctx.addIssue({
          code: 'custom',
          path: ['generate', 'profile'],
          message: 'a `profile` or `templates` is required',
          params: { code: 'missing_key', expected: `a profile (${profileNames.join(', ')}) or \`templates\`` } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('workflow', 'generate') },
  )
  .superRefine(
    (scenario, ctx) => {
      scenario.workflow?.forEach((step, index) => {
        if (!isBuiltinTool(step.tool)) addUnknownTool(ctx, ['workflow', index, 'tool'], step.tool)
        if (step.compensate && !isBuiltinTool(step.compensate.tool)) {
          addUnknownTool(ctx, ['workflow', index, 'compensate', 'tool'], step.compensate.tool)
        }
      })
    },
    { when: whenParsed('workflow') },
  )
  .superRefine(
    (scenario, ctx) => {
      // A suite has no steps of its own to index, and an empty workflow is reported already.
      if (!scenario.workflow?.length) return
      const lastStep = scenario.workflow.length - 1
      scenario.faults.forEach((fault, index) => {
        if (fault.step !== undefined && fault.step > lastStep) {
          ctx.addIssue({
            code: 'custom',
            path: ['faults', index, 'step'],
            message: `step out of range: the workflow has steps 0 to ${lastStep}`,
            params: { code: 'step_out_of_range', expected: `a step index in [0, ${lastStep}]` } satisfies IssueParams,
          })
        }
        if (fault.tool !== undefined && !isBuiltinTool(fault.tool)) addUnknownTool(ctx, ['faults', index, 'tool'], fault.tool)
      })
    },
    { when: whenParsed('workflow', 'faults') },
  )

/** A scenario as written in the file, defaults applied. */
export type Scenario = z.infer<typeof scenarioSchema>
export type ScenarioInput = z.input<typeof scenarioSchema>
export type FaultSpec = z.infer<typeof faultSchema>
export type StepSpec = z.infer<typeof stepSchema>
export type SuccessSpec = z.infer<typeof successSchema>
export type WorldSpec = z.infer<typeof worldSchema>
export type BudgetSpec = z.infer<typeof budgetSchema>
export type GenerateSpec = z.infer<typeof generateSchema>
export type TemplateSpec = z.infer<typeof templateSchema>

export const defaultLayerOf: Readonly<Record<FaultType, Layer>> = {
  Timeout: 'transient',
  HTTP_500: 'transient',
  Unavailable: 'transient',
  RateLimited: 'transient',
  NetworkError: 'transient',
  AuthDenied: 'persistent',
  NotFound: 'persistent',
  BadRequest: 'semantic',
  PolicyRejected: 'semantic',
  WrongData: 'semantic',
  Conflict: 'cascade',
  StateCorruption: 'cascade',
}
