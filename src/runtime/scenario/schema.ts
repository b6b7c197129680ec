import { z } from 'zod'
import { builtinToolNames, isBuiltinTool } from '../tools/tool-specs.ts'
import { domainNames, domainWorkflows, workflowNames } from './domains.ts'
import { faultModes, faultTypes, isMcpFaultType, isModelFaultType, isModelOnlyFaultType, layers, modelFaultTypes, outcomes } from './taxonomy.ts'
import { lyingFaultTypes } from '../faults/lying-faults.ts'

/**
 * The scenario file format. This schema is the single source of the `Scenario` type and of
 * `schema/scenario.schema.json`, which editors use for completion.
 */

export { defaultLayerOf, faultModes, faultTypes, layers, mcpFaultTypes, modelFaultTypes, modelOnlyFaultTypes, outcomes, toolFaultTypes, type FaultMode, type FaultType, type Layer, type McpFaultType, type Outcome } from './taxonomy.ts'

export { domainNames, workflowNames, type DomainName, type WorkflowName } from './domains.ts'

export const profileNames = ['balanced', 'separation', 'saga', 'lying'] as const
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

function addUnknownTool(ctx: z.RefinementCtx, path: (string | number)[], tool: string, declared: readonly string[] = []): void {
  const known = [...builtinToolNames, ...declared]
  ctx.addIssue({
    code: 'custom',
    path,
    message: `unknown tool "${tool}"; known tools: ${known.join(', ')}`,
    params: {
      code: 'unknown_tool',
      expected: declared.length > 0 ? `a tool declared under \`tools:\` (${declared.join(', ')}) or a built-in tool` : `a built-in tool (${builtinToolNames.join(', ')})`,
    } satisfies IssueParams,
  })
}

const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

export const httpRequestSchema = z.strictObject({
  method: z.enum(httpMethods).default('POST'),
  url: z.string().min(1).max(2_000).describe('May use ${env.NAME}; the JSON body is the step\'s `with`.'),
  headers: z.record(z.string(), z.string()).optional(),
})

/**
 * A tool the scenario declares: a real HTTP tool (with `request:`), or a tool an agent calls in
 * process (`faultable` from awrr/tools) or through an MCP server (`mcp:`), known by its name.
 */
export const toolSchema = z
  .strictObject({
    request: httpRequestSchema.optional().describe('A real HTTP tool: the request each call makes. Without it the tool is called in process or through an MCP server.'),
    compensate: identifier.optional().describe('Tool that undoes this one, called with the same `with`.'),
    side_effect: z.boolean().optional().describe('Default: true unless the method is GET; false for a tool without `request:`.'),
    irreversible: z.boolean().optional(),
    description: z.string().max(10_000).optional().describe('What a simulated MCP server says the tool does.'),
    input_schema: jsonObject.optional().describe('JSON Schema of the arguments, as a simulated MCP server lists it (default: any object).'),
    result: z.unknown().optional().describe('What the tool answers on a simulated MCP server (a built-in tool answers from the world).'),
  })
  .superRefine(
    (tool, ctx) => {
      if (tool.request === undefined || tool.result === undefined) return
      ctx.addIssue({
        code: 'custom',
        path: ['result'],
        message: 'a tool with `request:` answers from its service, not from `result:`',
        params: { code: 'custom', expected: '`result:` only on a tool without `request:`' } satisfies IssueParams,
      })
    },
    { when: whenParsed('request', 'result') },
  )

export const mcpServerSchema = z
  .strictObject({
    url: z.string().min(1).max(2_000).optional().describe('A real MCP server (Streamable HTTP), may use ${env.NAME}: calls go through to it, faults are injected on the way.'),
    tools: z
      .array(identifier)
      .min(1)
      .max(1_000)
      .optional()
      .describe('Simulated server: the tools it serves (built-in ones or ones declared under `tools:`), each with its JSON Schema. Ignored with `url:` (a real server lists its own).'),
  })
  .superRefine(
    (server, ctx) => {
      if (server.url !== undefined || server.tools !== undefined) return
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'an MCP server needs `url` (a real one) or `tools` (a simulated one)',
        params: { code: 'custom', expected: '`url:` for a real MCP server or `tools:` for a simulated one' } satisfies IssueParams,
      })
    },
    { when: whenParsed('url', 'tools') },
  )

export const httpCheckSchema = z.strictObject({
  method: z.enum(httpMethods).default('GET'),
  url: z.string().min(1).max(2_000),
  headers: z.record(z.string(), z.string()).optional(),
  status: z.int().min(100).max(599).optional(),
  json: z.unknown().optional().describe('Subset the response body must contain.'),
  timeout_ms: z.int().min(1).max(120_000).optional().describe('How long the check waits for its answer, in real milliseconds (default 10000, at most 120000); no answer in time is a rejection.'),
})

export const faultTargetSchema = z.strictObject({
  method: z.enum(httpMethods).optional(),
  url: z.string().min(1).max(2_000).describe('URL pattern; `*` matches any run of characters.'),
})

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
    target: faultTargetSchema.optional().describe("Every request matching this method and URL pattern (agents' calls)."),
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
    code: z.int().optional().describe('JsonRpcError only: the JSON-RPC error code (default -32603; -32002 resource not found, -32602 invalid params).'),
    force_first_attempt: z.boolean().optional().describe('The first attempt is always hit.'),
    after_events: z
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe('StreamCut and StreamStall: server-sent events delivered before the stream breaks (default 2; never the final event).'),
  })
  .superRefine(
    (fault, ctx) => {
      const targets = [fault.step, fault.tool, fault.target].filter((value) => value !== undefined).length
      if (targets !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'exactly one of `step`, `tool` or `target` is required',
          params: {
            code: 'custom',
            expected: 'a fault with exactly one of `step`, `tool` or `target`',
            received: targets === 0 ? 'none' : `${targets} of them`,
          } satisfies IssueParams,
        })
      }
      if (fault.target !== undefined && (lyingFaultTypes as readonly string[]).includes(fault.type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['target'],
          message: `${fault.type} rewrites a tool's answer: it applies to the built-in tool service (\`step\` or \`tool\`), not to a real service's request`,
          params: { code: 'custom', expected: 'a lying fault on a built-in tool (`step:` or `tool:`)', received: 'target' } satisfies IssueParams,
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
    { when: whenParsed('step', 'tool', 'target', 'mode', 'times', 'type') },
  )

export const successSchema = z
  .strictObject({
    record: identifier.optional().describe('Record id the oracle checks (built-in tool service).'),
    status: identifier.optional().describe('Status the record must have at the end.'),
    charged: z.number().min(0).optional().describe("With `record`: the record's charged payments must sum to exactly this amount."),
    http: httpCheckSchema.optional().describe('A request to a real service whose answer must match.'),
  })
  .superRefine(
    (success, ctx) => {
      const recordForm = success.record !== undefined || success.status !== undefined
      if (recordForm === (success.http !== undefined) || (recordForm && (success.record === undefined || success.status === undefined))) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'success needs either `record` and `status`, or `http`',
          params: { code: 'custom', expected: 'either `record` and `status`, or `http`' } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('record', 'status', 'http') },
  )

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
  types: z
    .array(z.enum(faultTypes).refine((type) => !isModelOnlyFaultType(type), { message: 'model fault types need an `llm:` endpoint, which suites do not have' }))
    .min(1),
  prob: z.number().min(0).max(1),
  weight: z.number().positive(),
  mode: z.enum(faultModes),
  times: z.int().positive().optional(),
  force_first_attempt: z.boolean().optional(),
})

const domainWeight = z.number().positive().optional()

/**
 * The most tasks one generated suite may have. Every task is a Vitest test of one file, held by
 * the worker that runs the file and by the main process until the run ends: measured on this
 * project's machine (fixtures/generate-limit/measure.mjs), a 50,000-task suite under one strategy
 * peaked at 1.5 GB in its worker (about 25 KB per task) and 0.56 GB in the main process (about
 * 4.4 KB per task run, 1.8 GB with eight strategies); the 1,000,000 tasks the schema used to allow
 * ran the worker out of memory.
 */
export const maxGeneratedTasks = 50_000

const generatedTasksLimitReason =
  `a suite's tasks are all tests of one file, which its worker and the Vitest main process keep in memory until the run ends ` +
  `(a ${maxGeneratedTasks.toLocaleString('en-US')}-task suite peaked at 1.5 GB in its worker); write a bigger benchmark as several suites, each with its own name and seed`

export const generateSchema = z
  .strictObject({
    tasks: z
      .int()
      .min(1)
      .max(maxGeneratedTasks)
      .meta({ description: `How many tasks to generate, at most ${maxGeneratedTasks.toLocaleString('en-US')}.`, 'x-limit-reason': generatedTasksLimitReason }),
    seed: z.int().optional(),
    profile: z.enum(profileNames).optional(),
    templates: z.array(templateSchema).min(1).optional(),
    workflows: z
      .array(z.enum(workflowNames))
      .min(1)
      .default([...domainWorkflows.ecommerce])
      .describe('Narrows each domain to these workflows; a domain with none listed runs all of its own.'),
    domains: z
      .array(z.enum(domainNames))
      .min(1)
      .optional()
      .describe('Domains the tasks come from; default: those `mix` names, else those of `workflows`.'),
    mix: z
      .strictObject({ ecommerce: domainWeight, healthcare: domainWeight, content: domainWeight })
      .optional()
      .describe('Relative share of each domain; default 0.4 e-commerce, 0.3 healthcare, 0.3 content.'),
    part: z
      .string()
      .max(20)
      .optional()
      .describe(
        'Runs one share of the suite ("2/4": the second quarter of its tasks, with the ids, faults and batches of the whole suite), so several files can split a big suite across workers.',
      ),
  })
  .superRefine(
    (spec, ctx) => {
      if (spec.part === undefined) return
      if (!/^[1-9][0-9]*\/[1-9][0-9]*$/.test(spec.part)) {
        ctx.addIssue({
          code: 'custom',
          path: ['part'],
          message: `part ${spec.part} is not i/n`,
          params: { code: 'invalid_value', expected: 'a part like "2/4" (the 2nd of 4 shares)', received: spec.part } satisfies IssueParams,
        })
        return
      }
      const [index, of] = spec.part.split('/').map(Number) as [number, number]
      if (index <= of && of <= spec.tasks) return
      ctx.addIssue({
        code: 'custom',
        path: ['part'],
        message: `part ${spec.part} does not exist`,
        params: { code: 'out_of_range', expected: `a part i/n with 1 <= i <= n <= tasks (${spec.tasks})`, received: spec.part } satisfies IssueParams,
      })
    },
    { when: whenParsed('tasks', 'part') },
  )
  .superRefine(
    (spec, ctx) => {
      const weighted = Object.keys(spec.mix ?? {})
      // An unknown key is reported already, and zod leaves the mapping empty without it.
      const mixReported = ctx.issues.some((issue) => issue.path?.[0] === 'mix')
      if (spec.mix !== undefined && weighted.length === 0 && !mixReported) {
        ctx.addIssue({
          code: 'custom',
          path: ['mix'],
          message: 'mix needs at least one domain',
          params: { code: 'custom', expected: `a weight for at least one of ${domainNames.join(', ')}`, received: 'an empty mapping' } satisfies IssueParams,
        })
      }
      for (const domain of weighted) {
        if (spec.domains === undefined || spec.domains.includes(domain as (typeof domainNames)[number])) continue
        ctx.addIssue({
          code: 'custom',
          path: ['mix', domain],
          message: `${domain} is not one of the suite's domains`,
          params: { code: 'custom', expected: `a domain listed in \`domains\` (${spec.domains.join(', ')})`, received: domain } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('domains', 'mix') },
  )

/** One task of a multi-task file (`tasks:`), e.g. one line of an imported prototype task set. */
export const inlineTaskSchema = z.strictObject({
  id: identifier.describe('Task id; the test is named `<scenario> > <id>`.'),
  world: worldSchema.optional(),
  workflow: z.array(stepSchema).min(1).max(1_000),
  faults: z.array(faultSchema).max(1_000).default([]),
  success: successSchema.optional(),
  expect: expectSchema.optional().describe("Default: the file's `expect`."),
})


/** The name model calls go by in faults (`tool: llm`), traces and call records. */
export const modelToolName = 'llm'

export const llmProviders = ['openai', 'anthropic'] as const
export type LlmProvider = (typeof llmProviders)[number]

/** The virtual origin a scripted model answers on unless the scenario names another. */
export const defaultLlmBaseUrl = 'http://llm.awrr.test'

export const llmToolCallSchema = z.strictObject({
  name: identifier.describe('Tool the model calls.'),
  arguments: jsonObject.default({}).describe('Arguments of the call, sent as a JSON string (openai) or an object (anthropic).'),
  id: identifier.optional().describe('Call id; default: derived from the task, call and position.'),
})

export const llmWhenSchema = z
  .strictObject({
    tool_result_contains: z.string().min(1).max(10_000).optional().describe('The last tool result in the request contains this text.'),
    tool_called: identifier.optional().describe('An earlier assistant turn in the request called the tool of this name.'),
    user_contains: z.string().min(1).max(10_000).optional().describe('The last user message contains this text.'),
  })
  .describe('The turn answers only a request that matches every condition given.')

export const llmTurnSchema = z
  .strictObject({
    when: llmWhenSchema.optional(),
    reply: z.string().max(1_000_000).optional().describe("The model's text answer."),
    tool_calls: z.array(llmToolCallSchema).min(1).max(100).optional().describe('Tool calls the model makes in this turn.'),
    usage: z
      .strictObject({ prompt_tokens: z.int().min(0), completion_tokens: z.int().min(0) })
      .optional()
      .describe('Token counts reported in `usage`; default: an estimate of 4 characters a token.'),
    repeat: z.boolean().optional().describe('The turn may answer again (default: each turn answers once).'),
  })
  .superRefine(
    (turn, ctx) => {
      if (turn.reply !== undefined || turn.tool_calls !== undefined) return
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'a turn needs `reply` or `tool_calls`',
        params: { code: 'missing_key', expected: 'a turn with `reply:` (text) or `tool_calls:` (or both)' } satisfies IssueParams,
      })
    },
    { when: whenParsed('reply', 'tool_calls') },
  )

export const llmPriceSchema = z.strictObject({ input: z.number().min(0), output: z.number().min(0) })

export const llmSchema = z
  .strictObject({
    provider: z.enum(llmProviders).default('openai').describe('Wire format: `openai` (chat completions and responses) or `anthropic` (messages).'),
    base_url: z
      .string()
      .max(2_000)
      .refine((url) => URL.canParse(withEnvPlaceholders(url)) && /^https?:$/.test(new URL(withEnvPlaceholders(url)).protocol), {
        message: 'base_url must be an http(s) URL',
        params: { code: 'invalid_value', expected: 'an http:// or https:// URL such as http://llm.awrr.test/v1, or ${env.NAME}/v1' } satisfies IssueParams,
      })
      .default(defaultLlmBaseUrl)
      .describe('Where the agent\'s SDK is pointed; a virtual origin by default. Requests under it are answered by the script, or by the cassette. May use ${env.NAME} (the real endpoint a cassette records).'),
    model: identifier.default('awrr-scripted').describe('Model name in answers when the request names none.'),
    script: z.array(llmTurnSchema).min(1).max(10_000).optional().describe("The model's turns in order; a turn with `when:` waits for a request that matches."),
    record: z
      .boolean()
      .optional()
      .describe('Send the model calls to the real endpoint at base_url and write their answers into the cassette (also AWRR_RECORD=1, which wins; with CI=true only AWRR_RECORD=1 records). Default: replay the cassette with no network.'),
    cassette: z
      .string()
      .min(1)
      .max(1_000)
      .optional()
      .describe('Cassette file, relative to the scenario and inside the project; default: <scenario>.cassette.json beside it. Without `script:` the endpoint answers from it.'),
  })
  .superRefine(
    (llm, ctx) => {
      if (llm.script !== undefined && (llm.record !== undefined || llm.cassette !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [llm.record !== undefined ? 'record' : 'cassette'],
          message: 'a scripted model endpoint has no cassette',
          params: { code: 'invalid_value', expected: 'either a `script:` or a cassette (`cassette:` / `record:`), not both' } satisfies IssueParams,
        })
      }
      if (llm.record === true && URL.canParse(llm.base_url) && new URL(llm.base_url).origin === defaultLlmBaseUrl) {
        ctx.addIssue({
          code: 'custom',
          path: ['record'],
          message: `recording needs the real endpoint: ${defaultLlmBaseUrl} is AWRR's virtual origin`,
          params: { code: 'invalid_value', expected: 'a `base_url:` of the real endpoint (e.g. https://api.openai.com/v1 or ${env.LLM_BASE_URL}) beside `record: true`' } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('script', 'record', 'cassette', 'base_url') },
  )
  .describe('A model endpoint the agent calls: scripted, or recorded once from the real endpoint and replayed from a cassette.')

/** `${env.NAME}` references as a placeholder origin, to check the shape of a URL before the worker fills them in. */
function withEnvPlaceholders(url: string): string {
  return url.replace(/\$\{env\.[A-Za-z_][A-Za-z0-9_]*\}/g, 'http://env.invalid')
}

/** The origin a base URL names as written: `${env.NAME}` itself when it starts with one. */
export function writtenOriginOf(url: string): string {
  const reference = /^\$\{env\.[A-Za-z_][A-Za-z0-9_]*\}/.exec(url)?.[0]
  if (reference) return reference
  return URL.canParse(url) ? new URL(url).origin : url
}

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
    tasks: z.array(inlineTaskSchema).min(1).max(100_000).optional().describe('Tasks written out, each with its own world, workflow and faults.'),
    tools: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/).max(200), toolSchema).optional().describe('Tools beyond the built-in ones: real HTTP tools, and tools agents call in process or over MCP.'),
    mcp: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/).max(200), mcpServerSchema)
      .optional()
      .describe('MCP servers (Streamable HTTP) by name; a simulated one answers at http://mcp.awrr.test/<name>.'),
    input: z.unknown().optional().describe('Input handed to an agent (agent projects run the scenarios that have one).'),
    repeats: z.int().min(1).max(1_000).optional().describe('Trials of every task per strategy, for pass^k.'),
    llm: llmSchema.optional(),
  })
  .superRefine(
    (scenario, ctx) => {
      const bodies = [scenario.workflow, scenario.generate, scenario.tasks, scenario.input].filter((value) => value !== undefined).length
      if (bodies !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: 'exactly one of `workflow`, `generate`, `tasks` or `input` is required',
          params: {
            code: 'custom',
            expected: 'a mapping with exactly one of `workflow:`, `generate:`, `tasks:` or `input:`',
            received: bodies === 0 ? 'none' : `${bodies} of them`,
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
      scenario.faults.forEach((fault, index) => {
        if (!(lyingFaultTypes as readonly string[]).includes(fault.type) || !scenario.tools) return
        const tool = fault.tool ?? (fault.step === undefined ? undefined : scenario.workflow?.[fault.step]?.tool)
        if (tool === undefined || !Object.hasOwn(scenario.tools, tool)) return
        ctx.addIssue({
          code: 'custom',
          path: ['faults', index, 'type'],
          message: `${fault.type} rewrites a tool's answer, and ${tool} is a real service whose answers AWRR does not rewrite`,
          params: { code: 'custom', expected: 'a lying fault on a built-in tool', received: `the declared tool ${tool}` } satisfies IssueParams,
        })
      })
      // Each trial is a test of its own: a file's tests are tasks x repeats, bounded as a suite's tasks.
      const taskCount = scenario.generate?.tasks ?? scenario.tasks?.length ?? 1
      if (scenario.repeats !== undefined && taskCount * scenario.repeats > maxGeneratedTasks) {
        const most = Math.max(1, Math.floor(maxGeneratedTasks / taskCount))
        ctx.addIssue({
          code: 'custom',
          path: ['repeats'],
          message: `${taskCount} tasks x ${scenario.repeats} repeats is more than ${maxGeneratedTasks} tests`,
          params: {
            code: 'out_of_range',
            expected: `at most ${most} for ${taskCount} tasks (a file runs tasks x repeats tests, at most ${maxGeneratedTasks.toLocaleString('en-US')}: ${generatedTasksLimitReason})`,
            received: String(scenario.repeats),
          } satisfies IssueParams,
        })
      }
      // Faults are drawn from the scenario's name: parts named after their files would each draw
      // a different suite. Every part must carry the suite's one name.
      if (scenario.generate?.part !== undefined && scenario.name === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['generate', 'part'],
          message: 'a part needs the suite’s `name:`',
          params: { code: 'missing_key', expected: 'set together with a top-level `name:` shared by every part of the suite (faults are drawn from the name)' } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('workflow', 'generate', 'tasks', 'input', 'name', 'faults', 'tools') },
  )
  .superRefine(
    (scenario, ctx) => {
      if (!scenario.tasks) return
      const outside: string[] = []
      if (scenario.world !== undefined) outside.push('world')
      if (scenario.success !== undefined) outside.push('success')
      if (scenario.faults.length > 0) outside.push('faults')
      for (const key of outside) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `\`${key}\` belongs inside each task when the file has \`tasks:\``,
          params: { code: 'custom', expected: `inside each task, not at the top level beside \`tasks:\`` } satisfies IssueParams,
        })
      }
      const declared = Object.keys(scenario.tools ?? {})
      const known = (tool: string) => isBuiltinTool(tool) || declared.includes(tool)
      const seen = new Set<string>()
      scenario.tasks.forEach((task, taskIndex) => {
        if (seen.has(task.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['tasks', taskIndex, 'id'],
            message: `duplicate task id "${task.id}"`,
            params: { code: 'custom', expected: 'a task id not used by an earlier task', received: task.id } satisfies IssueParams,
          })
        }
        seen.add(task.id)
        task.workflow.forEach((step, index) => {
          if (!known(step.tool)) addUnknownTool(ctx, ['tasks', taskIndex, 'workflow', index, 'tool'], step.tool, declared)
          if (step.compensate && !known(step.compensate.tool)) {
            addUnknownTool(ctx, ['tasks', taskIndex, 'workflow', index, 'compensate', 'tool'], step.compensate.tool, declared)
          }
        })
        const lastStep = task.workflow.length - 1
        task.faults.forEach((fault, index) => {
          if (fault.step !== undefined && fault.step > lastStep) {
            ctx.addIssue({
              code: 'custom',
              path: ['tasks', taskIndex, 'faults', index, 'step'],
              message: `step out of range: the task's workflow has steps 0 to ${lastStep}`,
              params: { code: 'step_out_of_range', expected: `a step index in [0, ${lastStep}]` } satisfies IssueParams,
            })
          }
          if (fault.tool !== undefined && !known(fault.tool)) addUnknownTool(ctx, ['tasks', taskIndex, 'faults', index, 'tool'], fault.tool, declared)
        })
      })
    },
    { when: whenParsed('tasks', 'world', 'success', 'faults', 'tools') },
  )
  .superRefine(
    (scenario, ctx) => {
      const declared = Object.keys(scenario.tools ?? {})
      const known = (tool: string) => isBuiltinTool(tool) || declared.includes(tool)
      scenario.workflow?.forEach((step, index) => {
        if (!known(step.tool)) addUnknownTool(ctx, ['workflow', index, 'tool'], step.tool, declared)
        if (step.compensate && !known(step.compensate.tool)) {
          addUnknownTool(ctx, ['workflow', index, 'compensate', 'tool'], step.compensate.tool, declared)
        }
      })
      for (const [name, tool] of Object.entries(scenario.tools ?? {})) {
        if (tool.compensate !== undefined && !known(tool.compensate)) addUnknownTool(ctx, ['tools', name, 'compensate'], tool.compensate, declared)
      }
    },
    { when: whenParsed('workflow', 'tools') },
  )
  .superRefine(
    (scenario, ctx) => {
      // Faults by tool name reach only tools AWRR serves; a real MCP server's tools are faulted by `target:`.
      const declared = [...Object.keys(scenario.tools ?? {}), ...(scenario.llm ? [modelToolName] : [])]
      scenario.faults.forEach((fault, index) => {
        if (fault.tool !== undefined && !isBuiltinTool(fault.tool) && !declared.includes(fault.tool)) {
          addUnknownTool(ctx, ['faults', index, 'tool'], fault.tool, declared)
        }
        const atModel = fault.tool === modelToolName || (scenario.llm !== undefined && fault.target !== undefined && fault.target.url.startsWith(writtenOriginOf(scenario.llm.base_url)))
        if (atModel && !isModelFaultType(fault.type)) {
          ctx.addIssue({
            code: 'custom',
            path: ['faults', index, 'type'],
            message: `${fault.type} is not a fault a model endpoint can answer with`,
            params: { code: 'invalid_value', expected: `a model fault type (${modelFaultTypes.join(', ')})`, received: fault.type } satisfies IssueParams,
          })
        } else if (!atModel && isModelOnlyFaultType(fault.type)) {
          ctx.addIssue({
            code: 'custom',
            path: ['faults', index, 'type'],
            message: `${fault.type} applies to model calls only`,
            params: { code: 'invalid_value', expected: `a fault with \`tool: ${modelToolName}\` (and an \`llm:\` endpoint) for ${fault.type}`, received: fault.type } satisfies IssueParams,
          })
        }
      })
      if (scenario.llm && scenario.input === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['llm'],
          message: 'a model endpoint is for agents',
          params: { code: 'custom', expected: 'an `llm:` endpoint beside an agent\'s `input:` (the built-in executor calls no model)' } satisfies IssueParams,
        })
      }
      // Without a script the endpoint answers from its cassette, recorded from the real endpoint:
      // at AWRR's own virtual origin there is none to record from.
      const atVirtualOrigin = scenario.llm !== undefined && URL.canParse(scenario.llm.base_url) && new URL(scenario.llm.base_url).origin === defaultLlmBaseUrl
      if (scenario.llm && atVirtualOrigin && scenario.llm.script === undefined && scenario.llm.record === undefined && scenario.llm.cassette === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['llm'],
          message: 'a model endpoint needs a `script`, a `cassette` or `record: true`',
          params: { code: 'missing_key', expected: 'a `script:` of turns, or a `base_url:` of the real endpoint whose answers a cassette records and replays' } satisfies IssueParams,
        })
      }
    },
    { when: whenParsed('tools', 'faults', 'mcp', 'llm', 'input') },
  )
  .superRefine(
    (scenario, ctx) => {
      const declared = Object.keys(scenario.tools ?? {})
      const servers = Object.entries(scenario.mcp ?? {})
      for (const [name, server] of servers) {
        if (server.url !== undefined) continue
        server.tools?.forEach((tool, index) => {
          if (!isBuiltinTool(tool) && !declared.includes(tool)) addUnknownTool(ctx, ['mcp', name, 'tools', index], tool, declared)
        })
      }
      scenario.faults.forEach((fault, index) => {
        if (!isMcpFaultType(fault.type)) return
        // A real server's answers pass through untouched: a fault there would never be injected.
        const simulated = servers.some(([, server]) => server.url === undefined && fault.tool !== undefined && server.tools?.includes(fault.tool))
        if (simulated) return
        const needs = 'a simulated MCP server (`mcp: { NAME: { tools: [...] } }`)'
        ctx.addIssue({
          code: 'custom',
          path: ['faults', index, fault.tool === undefined ? 'type' : 'tool'],
          message: `${fault.type} hits MCP tool calls: it needs \`tool:\` naming a tool that ${needs} serves`,
          params: {
            code: 'custom',
            expected: `\`tool:\` naming a tool listed under ${needs}`,
            received: fault.tool ?? (fault.step !== undefined ? `step ${fault.step}` : 'a target'),
          } satisfies IssueParams,
        })
      })
      // A workflow step is a request the executor makes; a tool without `request:` has none.
      scenario.workflow?.forEach((step, index) => {
        const tool = scenario.tools?.[step.tool]
        if (tool === undefined || tool.request !== undefined) return
        ctx.addIssue({
          code: 'custom',
          path: ['workflow', index, 'tool'],
          message: `tool "${step.tool}" has no \`request:\`: agents call it in process or over MCP, the workflow cannot`,
          params: { code: 'custom', expected: 'a built-in tool or a declared tool with `request:`', received: step.tool } satisfies IssueParams,
        })
      })
    },
    { when: whenParsed('tools', 'faults', 'mcp', 'workflow') },
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
export type DeclaredToolSpec = z.infer<typeof toolSchema>
/** A declared tool with `request:`: the executor and agents reach it over HTTP. */
export type HttpToolSpec = DeclaredToolSpec & { request: z.infer<typeof httpRequestSchema> }
export type McpServerSpec = z.infer<typeof mcpServerSchema>
export type HttpCheckSpec = z.infer<typeof httpCheckSchema>
export type FaultTargetSpec = z.infer<typeof faultTargetSchema>
export type GenerateSpec = z.infer<typeof generateSchema>
export type InlineTaskSpec = z.infer<typeof inlineTaskSchema>
export type TemplateSpec = z.infer<typeof templateSchema>
export type LlmSpec = z.infer<typeof llmSchema>
export type LlmTurnSpec = z.infer<typeof llmTurnSchema>
export type LlmPrice = z.infer<typeof llmPriceSchema>

