import { addMapping, GenMapping, setSourceContent, toEncodedMap } from '@jridgewell/gen-mapping'
import { parseScenarioSource } from '../runtime/scenario/load-scenario.ts'
import { envReferences, interpolateEnv, isEnvAllowed, type EnvAllowList } from '../runtime/http/env-interpolation.ts'
import { minimumSecretLength } from '../runtime/text/redact-secrets.ts'
import { AwrrScenarioError, type ScenarioIssue } from '../runtime/scenario/scenario-error.ts'
import { escapedCodeFrame } from '../runtime/text/code-frame.ts'
import { maxGeneratedTasks, type Scenario } from '../runtime/scenario/schema.ts'
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
  /** Variables scenarios may read (`awrr({ env })`). @default [] (none) */
  envAllowed?: EnvAllowList
  /** The plugin's `repeats`, which a file without its own runs. @default 1 */
  repeats?: number
}

/**
 * The plugin's `repeats` times a file's tasks, past what one file may run: a file with its own
 * `repeats:` is checked by the schema already.
 */
function testCountIssues(scenario: Scenario, lineOf: (path: (string | number)[]) => SourcePosition, repeats: number): ScenarioIssue[] {
  const tasks = scenario.generate?.tasks ?? scenario.tasks?.length ?? 1
  if (scenario.repeats !== undefined || tasks * repeats <= maxGeneratedTasks) return []
  const path = scenario.generate ? ['generate', 'tasks'] : scenario.tasks ? ['tasks'] : []
  const most = Math.max(1, Math.floor(maxGeneratedTasks / tasks))
  const expected = `at most ${maxGeneratedTasks.toLocaleString('en-US')} tests, tasks x the plugin's repeats (${repeats}); for ${tasks} tasks, repeats at most ${most}`
  return [
    {
      code: 'out_of_range',
      path: path.join('.'),
      expected,
      received: `${tasks} x ${repeats} = ${tasks * repeats} tests`,
      message: `${path.join('.') || 'the file'} must give ${expected} (got ${tasks * repeats} tests): set \`repeats:\` in this file, or lower the plugin's`,
      ...lineOf(path),
    },
  ]
}

type EnvPlace = { path: (string | number)[]; text: string; kind: 'url' | 'header' | 'pattern'; header?: string }

/** Where a filled-in URL cannot go, or undefined when it can be requested. Never quotes the URL. */
function urlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'is not an http(s) URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'is not an http(s) URL'
  if (url.username !== '' || url.password !== '') return 'holds credentials (user:password@), which fetch refuses; send them in a header'
  try {
    new Request(url)
  } catch {
    return 'cannot be requested'
  }
  return undefined
}

function headerProblem(name: string, value: string): string | undefined {
  try {
    new Headers([[name, value]])
    return undefined
  } catch {
    return 'is not a valid HTTP header (a line break, or a character HTTP does not allow in a name or value)'
  }
}

/**
 * Every `${env.NAME}` the scenario uses must be allowed by the config and set when it loads, and
 * the URLs and headers it fills in must be requestable; the values stay out of the module and out
 * of every message (which names the variable, never its value).
 */
function envIssues(scenario: Scenario, lineOf: (path: (string | number)[]) => SourcePosition, env: NodeJS.ProcessEnv, allow: EnvAllowList): ScenarioIssue[] {
  const places: EnvPlace[] = []
  const request = (path: (string | number)[], spec: { url: string; headers?: Record<string, string> | undefined }) => {
    places.push({ path: [...path, 'url'], text: spec.url, kind: 'url' })
    for (const [header, value] of Object.entries(spec.headers ?? {})) places.push({ path: [...path, 'headers', header], text: value, kind: 'header', header })
  }
  for (const [name, tool] of Object.entries(scenario.tools ?? {})) if (tool.request) request(['tools', name, 'request'], tool.request)
  for (const [name, server] of Object.entries(scenario.mcp ?? {})) {
    if (server.url !== undefined) places.push({ path: ['mcp', name, 'url'], text: server.url, kind: 'url' })
  }
  if (scenario.success?.http) request(['success', 'http'], scenario.success.http)
  if (scenario.llm) places.push({ path: ['llm', 'base_url'], text: scenario.llm.base_url, kind: 'url' })
  scenario.faults.forEach((fault, index) => {
    if (fault.target) places.push({ path: ['faults', index, 'target', 'url'], text: fault.target.url, kind: 'pattern' })
  })
  scenario.tasks?.forEach((task, taskIndex) => {
    if (task.success?.http) request(['tasks', taskIndex, 'success', 'http'], task.success.http)
    task.faults.forEach((fault, index) => {
      if (fault.target) places.push({ path: ['tasks', taskIndex, 'faults', index, 'target', 'url'], text: fault.target.url, kind: 'pattern' })
    })
  })
  const issues: ScenarioIssue[] = []
  for (const place of places) {
    const key = place.path.join('.')
    const at = () => lineOf(place.path)
    const issue = (code: ScenarioIssue['code'], expected: string, received: string, message: string) => {
      const position = at()
      issues.push({ code, path: key, expected, received, message, line: position.line, column: position.column })
    }
    let filled = true
    for (const variable of envReferences(place.text)) {
      filled = false
      if (!isEnvAllowed(variable, allow)) {
        issue(
          'env_not_allowed',
          `a variable the config allows in awrr({ env: [...] })`,
          `\${env.${variable}}`,
          `${key} refers to \${env.${variable}}, which the config does not allow (add '${variable}' to awrr({ env: [...] }) if scenarios may read it)`,
        )
      } else if (env[variable] === undefined || env[variable] === '') {
        issue(
          'missing_env',
          `environment variable ${variable} to be set`,
          'unset',
          `${key} refers to \${env.${variable}}, which is not set (set it, or start the service in a Vitest globalSetup that sets it)`,
        )
      } else if (env[variable]!.length < minimumSecretLength) {
        issue(
          'env_too_short',
          `a value of at least ${minimumSecretLength} characters`,
          'a shorter value',
          `${key} refers to \${env.${variable}}, whose value is shorter than ${minimumSecretLength} characters: too short to redact from the outputs without redacting ordinary text`,
        )
      } else continue
      filled = true
    }
    // A reference already reported leaves nothing to check the filled-in text with.
    if (filled && envReferences(place.text).length > 0) continue
    let text: string
    try {
      text = interpolateEnv(place.text, env)
    } catch {
      continue
    }
    const references = envReferences(place.text).length > 0 ? ' (with its ${env} references filled in)' : ''
    if (place.kind === 'header') {
      const problem = headerProblem(place.header!, text)
      if (problem) issue('invalid_header', 'a valid HTTP header value', 'an invalid header', `${key} ${problem}${references}`)
      continue
    }
    const problem = urlProblem(place.kind === 'pattern' ? text.replaceAll('*', 'x') : text)
    if (problem) issue('invalid_url', place.kind === 'pattern' ? 'an http(s) URL pattern (* matches anything)' : 'an http(s) URL', 'not one', `${key} ${problem}${references}`)
  }
  return issues
}

/**
 * The module of a scenario file AWRR refuses to read (its real path leaves the project root): it
 * throws the issue, and its source map holds no content, since the file was never read.
 */
export function refusedScenarioModule(file: string, absoluteFile: string, issue: ScenarioIssue): CompiledModule {
  const map = new GenMapping({ file: absoluteFile })
  const error = new AwrrScenarioError(file, [issue])
  // No stack frame: Vitest would read the file at the frame's location to print a code frame.
  const code =
    `throw Object.assign(new Error(${JSON.stringify(error.message)}), { name: 'AwrrScenarioError', code: ${JSON.stringify(error.code)}, ` +
    `issues: ${JSON.stringify(error.issues)}, stack: ${JSON.stringify(`AwrrScenarioError: ${error.message}`)} });`
  return { code: code + '\n', map: encodedMap(map) }
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
  const issues = parsed.ok
    ? [...envIssues(parsed.scenario, parsed.lineOf, input.env ?? process.env, input.envAllowed ?? []), ...testCountIssues(parsed.scenario, parsed.lineOf, input.repeats ?? 1)]
    : parsed.issues
  if (!parsed.ok || issues.length > 0) {
    const error = new AwrrScenarioError(input.file, issues)
    const first = issues[0]
    const position = first ? { line: first.line, column: first.column } : { line: 1, column: 1 }
    // Vitest prints the file's own lines around the error raw: near a control character, the
    // module brings its own frame, escaped, and a stack without a frame into the file.
    const codeFrame = escapedCodeFrame(sourceText, position.line, position.column)
    const ownFrame = codeFrame === undefined ? '' : `, codeFrame: ${JSON.stringify(codeFrame)}, stack: ${JSON.stringify(`AwrrScenarioError: ${error.message}`)}`
    emit(
      `throw Object.assign(new Error(${JSON.stringify(error.message)}), ` +
        `{ name: 'AwrrScenarioError', code: ${JSON.stringify(error.code)}, issues: ${JSON.stringify(error.issues)}${ownFrame} });`,
      position,
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
