import { addMapping, GenMapping, setSourceContent, toEncodedMap } from '@jridgewell/gen-mapping'
import { parseScenarioSource } from '../runtime/scenario/load-scenario.ts'
import { envReferences } from '../runtime/http/env-interpolation.ts'
import { AwrrScenarioError, type ScenarioIssue } from '../runtime/scenario/scenario-error.ts'
import type { Scenario } from '../runtime/scenario/schema.ts'
import type { ResolvedFault, TaskSpec } from '../runtime/scenario/task-spec.ts'
import type { ScenarioModule, SourcePosition } from '../runtime/vitest/scenario-suite.ts'

export interface CompiledModule {
  code: string
  map: { version: number; file?: string | null; names: string[]; sources: (string | null)[]; sourcesContent?: (string | null)[]; mappings: string }
}

function encodedMap(map: GenMapping): CompiledModule['map'] {
  const encoded = toEncodedMap(map)
  return { ...encoded, version: 3, names: [...encoded.names], sources: [...encoded.sources], sourcesContent: [...(encoded.sourcesContent ?? [])] }
}

export interface CompileInput {
  source: string | Uint8Array
  /** Absolute path of the YAML file. */
  absoluteFile: string
  /** Path relative to the project root, forward slashes. */
  file: string
  /** Import specifier of the runtime suite module. */
  suiteModule: string
  /** Environment for `${env.NAME}` checks. @default process.env */
  env?: NodeJS.ProcessEnv
}

/** Every `${env.NAME}` the scenario uses must be set when it loads; the value stays out of the module. */
function missingEnvIssues(scenario: Scenario, lineOf: (path: (string | number)[]) => SourcePosition, env: NodeJS.ProcessEnv): ScenarioIssue[] {
  const places: { path: (string | number)[]; text: string }[] = []
  for (const [name, tool] of Object.entries(scenario.tools ?? {})) {
    if (!tool.request) continue
    places.push({ path: ['tools', name, 'request', 'url'], text: tool.request.url })
    for (const [header, value] of Object.entries(tool.request.headers ?? {})) places.push({ path: ['tools', name, 'request', 'headers', header], text: value })
  }
  for (const [name, server] of Object.entries(scenario.mcp ?? {})) {
    if (server.url !== undefined) places.push({ path: ['mcp', name, 'url'], text: server.url })
  }
  if (scenario.success?.http) places.push({ path: ['success', 'http', 'url'], text: scenario.success.http.url })
  scenario.faults.forEach((fault, index) => {
    if (fault.target) places.push({ path: ['faults', index, 'target', 'url'], text: fault.target.url })
  })
  const issues: ScenarioIssue[] = []
  for (const place of places) {
    for (const variable of envReferences(place.text)) {
      if (env[variable] !== undefined && env[variable] !== '') continue
      const position = lineOf(place.path)
      issues.push({
        code: 'missing_env',
        path: place.path.join('.'),
        expected: `environment variable ${variable} to be set`,
        received: 'unset',
        message: `${place.path.join('.')} refers to \${env.${variable}}, which is not set (set it, or start the service in a Vitest globalSetup that sets it)`,
        line: position.line,
        column: position.column,
      })
    }
  }
  return issues
}

const scenarioNameOf = (file: string) => file.replace(/^.*\//, '').replace(/\.scenario\.ya?ml$/, '')

/**
 * Turns a scenario file into a Vitest test module. Each generated line that declares a test is
 * mapped back to the YAML line it comes from, so `vitest run x.scenario.yaml:LINE` and failure
 * code frames point into the YAML. A file that does not load becomes a module that throws, so it
 * fails alone and every other file still runs.
 */
export function compileScenario(input: CompileInput): CompiledModule {
  const map = new GenMapping({ file: input.absoluteFile })
  const sourceText = typeof input.source === 'string' ? input.source : Buffer.from(input.source).toString('utf8')
  setSourceContent(map, input.absoluteFile, sourceText)
  const lines: string[] = []
  const emit = (line: string, position?: SourcePosition) => {
    lines.push(line)
    if (position) {
      addMapping(map, {
        generated: { line: lines.length, column: 0 },
        source: input.absoluteFile,
        original: { line: position.line, column: Math.max(0, position.column - 1) },
      })
    }
  }

  const parsed = parseScenarioSource(input.source, input.file)
  const issues = parsed.ok ? missingEnvIssues(parsed.scenario, parsed.lineOf, input.env ?? process.env) : parsed.issues
  if (!parsed.ok || issues.length > 0) {
    const error = new AwrrScenarioError(input.file, issues)
    const first = issues[0]
    emit(
      `throw Object.assign(new Error(${JSON.stringify(error.message)}), ` +
        `{ name: 'AwrrScenarioError', code: ${JSON.stringify(error.code)}, issues: ${JSON.stringify(issues)} });`,
      first ? { line: first.line, column: first.column } : { line: 1, column: 1 },
    )
    return { code: lines.join('\n') + '\n', map: encodedMap(map) }
  }

  const { scenario, lineOf } = parsed
  const name = scenario.name ?? scenarioNameOf(input.file)
  // A failed expectation points at the strategy's own line under `expect:`.
  const expectPositions = Object.fromEntries(Object.keys(scenario.expect ?? {}).map((strategy) => [strategy, lineOf(['expect', strategy])]))
  const common = {
    name,
    file: input.file,
    absoluteFile: input.absoluteFile,
    seed: scenario.seed,
    expectPositions,
    ...(scenario.repeats === undefined ? {} : { repeats: scenario.repeats }),
  }
  let module: ScenarioModule
  let taskPosition: SourcePosition
  /** With `tasks:`, each task's test maps to its own entry, so `file.scenario.yaml:LINE` picks one. */
  let taskPositions: SourcePosition[] = []
  if (scenario.generate) {
    module = { kind: 'generate', ...common, generate: scenario.generate }
    taskPosition = lineOf(['generate'])
  } else if (scenario.tasks) {
    const { budget, tools, expect } = scenario
    const tasks = scenario.tasks.map((task, index): TaskSpec => {
      const taskExpect = task.expect ?? expect
      return {
        id: task.id,
        index,
        world: { records: task.world?.records ?? {}, inventory: task.world?.inventory ?? {} },
        workflow: task.workflow,
        faults: task.faults.map((fault, faultIndex) => ({ ...fault, id: fault.id ?? `F${faultIndex}` })),
        ...(task.success ? { success: task.success } : {}),
        ...(taskExpect ? { expect: taskExpect } : {}),
        ...(budget ? { budget } : {}),
        ...(tools ? { tools } : {}),
      }
    })
    module = { kind: 'tasks', ...common, tasks }
    taskPosition = lineOf(['tasks'])
    taskPositions = tasks.map((_, index) => lineOf(['tasks', index]))
  } else {
    const faults: ResolvedFault[] = scenario.faults.map((fault, index) => ({ ...fault, id: fault.id ?? `F${index}` }))
    const task: TaskSpec = {
      id: 'main',
      index: 0,
      world: { records: scenario.world?.records ?? {}, inventory: scenario.world?.inventory ?? {} },
      workflow: scenario.workflow ?? [],
      faults,
      ...(scenario.success ? { success: scenario.success } : {}),
      ...(scenario.expect ? { expect: scenario.expect } : {}),
      ...(scenario.budget ? { budget: scenario.budget } : {}),
      ...(scenario.tools ? { tools: scenario.tools } : {}),
      ...(scenario.mcp ? { mcp: scenario.mcp } : {}),
      ...(scenario.input === undefined ? {} : { input: scenario.input }),
      ...(scenario.llm ? { llm: scenario.llm } : {}),
    }
    module = { kind: 'tasks', ...common, tasks: [task] }
    taskPosition = lineOf([scenario.input === undefined ? 'workflow' : 'input'])
  }

  emit(`import { openScenarioSuite } from ${JSON.stringify(input.suiteModule)};`)
  // User modules (agents, strategies) load through this module's import, so they go through Vite
  // and TypeScript works in an installed package too, not only in a checkout.
  emit(`const suite = openScenarioSuite(${JSON.stringify(module)}, (id) => import(/* @vite-ignore */ id));`)
  emit(`suite.describe(() => {`, lineOf([]))
  if (taskPositions.length > 0) taskPositions.forEach((position, index) => emit(`suite.taskAt(${index});`, position))
  else emit(module.kind === 'generate' ? `suite.allTasks();` : `suite.taskAt(0);`, taskPosition)
  emit(`});`)
  return { code: lines.join('\n') + '\n', map: encodedMap(map) }
}
