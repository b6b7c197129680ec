import { parseArgs } from 'node:util'
import { parseDomainsOption, parseMixOption } from '../../runtime/scenario/domains.ts'
import { generateTasks } from '../../runtime/scenario/generate-tasks.ts'
import { generateSchema, type GenerateSpec } from '../../runtime/scenario/schema.ts'
import type { TaskSpec } from '../../runtime/scenario/task-spec.ts'
import { writeScenarioYaml } from '../../runtime/scenario/write-scenario.ts'
import type { Command, CommandIo } from './command.ts'

const help = `Usage: awrr generate --tasks N --profile P [options] > file.scenario.yaml

Writes a benchmark suite: a \`generate:\` block that the plugin expands into N tasks when it runs.

Options:
  --tasks N          number of tasks (required)
  --profile P        fault profile: balanced, separation or saga (required)
  --seed S           seed of the suite (default 42)
  --workflows a,b    only these workflows (each domain keeps the ones listed for it)
  --domains d,e      domains the tasks come from: ecommerce, healthcare, content (default: those of
                     --mix, else those of the workflows, else ecommerce)
  --mix d=w,e=w      relative share of each domain (default 0.4 ecommerce, 0.3 healthcare, 0.3 content)
  --name NAME        scenario name (default: ws-bench-<profile>)
  --description T    description line
  --schema PATH      path of scenario.schema.json relative to the output file, for editor completion
  --expand           write every task out under \`tasks:\` instead (frozen: later generator changes
                     do not move it; large suites exceed the 1 MiB scenario file limit)
`

const optionNames: Readonly<Record<string, string>> = { tasks: '--tasks', seed: '--seed', profile: '--profile', workflows: '--workflows', domains: '--domains', mix: '--mix' }

function integer(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new TypeError(`[awrr] ${option} must be an integer (got "${text}").`)
  return value
}

const list = (text: string) => text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)

/** The suite `awrr generate` writes, as data, with its header lines. */
function generatedSuite(args: string[]): { data: Record<string, unknown>; schemaPath: string | undefined; header: string[] } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      tasks: { type: 'string' },
      seed: { type: 'string' },
      profile: { type: 'string' },
      workflows: { type: 'string' },
      domains: { type: 'string' },
      mix: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      schema: { type: 'string' },
      expand: { type: 'boolean', default: false },
    },
  })
  if (values.tasks === undefined) throw new TypeError('[awrr] awrr generate needs --tasks N.')
  if (values.profile === undefined) throw new TypeError('[awrr] awrr generate needs --profile (balanced, separation or saga).')
  const input = {
    tasks: integer(values.tasks, '--tasks'),
    seed: integer(values.seed, '--seed') ?? 42,
    profile: values.profile,
    ...(values.workflows === undefined ? {} : { workflows: list(values.workflows) }),
    ...(values.domains === undefined ? {} : { domains: parseDomainsOption(values.domains) }),
    ...(values.mix === undefined ? {} : { mix: parseMixOption(values.mix) }),
  }
  const parsed = generateSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const option = optionNames[String(issue.path[0])] ?? 'generate'
    throw new TypeError(`[awrr] ${option}: ${issue.message}.`)
  }
  const name = values.name ?? `ws-bench-${values.profile}`
  const command = ['awrr generate', ...args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg)))].join(' ')
  const header = [`Written by \`${command}\`.`]
  const spec: GenerateSpec = parsed.data
  const data: Record<string, unknown> = {
    name,
    ...(values.description === undefined ? {} : { description: values.description }),
    tags: ['bench', 'generated'],
  }
  if (values.expand) {
    // No top-level seed: like the `generate:` form, faults then draw from the run's seed, so both
    // forms of one suite give the same results.
    data['tasks'] = generateTasks(spec, spec.seed ?? 42).map(writtenTask)
  } else {
    // Only what was asked for: defaults stay implicit so the file follows the generator's.
    data['generate'] = input
  }
  return { data, schemaPath: values.schema, header }
}

/** A generated task as it is written under `tasks:` (no `index`: the position in the list is the index). */
function writtenTask(task: TaskSpec): Record<string, unknown> {
  return {
    id: task.id,
    world: task.world,
    workflow: task.workflow,
    faults: task.faults,
    ...(task.success ? { success: task.success } : {}),
  }
}

export const generate: Command = {
  summary: 'Write a benchmark suite (N tasks, a fault profile, a domain mix) as a scenario file',
  async run(args: string[], io: CommandIo): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(help)
      return 0
    }
    const { data, schemaPath, header } = generatedSuite(args)
    const written = writeScenarioYaml(data, { header, ...(schemaPath === undefined ? {} : { schemaPath }) })
    if (!written.ok) {
      for (const issue of written.issues) io.stderr.write(`[awrr] generated suite, line ${issue.line}: ${issue.message}\n`)
      return 1
    }
    io.stdout.write(written.text)
    return 0
  },
}
