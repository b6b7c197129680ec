import { addMapping, GenMapping, setSourceContent, toEncodedMap } from '@jridgewell/gen-mapping'
import { parseScenarioSource } from '../runtime/scenario/load-scenario.ts'
import { AwrrScenarioError } from '../runtime/scenario/scenario-error.ts'
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
  if (!parsed.ok) {
    const error = new AwrrScenarioError(input.file, parsed.issues)
    const first = parsed.issues[0]
    emit(
      `throw Object.assign(new Error(${JSON.stringify(error.message)}), ` +
        `{ name: 'AwrrScenarioError', code: ${JSON.stringify(error.code)}, issues: ${JSON.stringify(parsed.issues)} });`,
      first ? { line: first.line, column: first.column } : { line: 1, column: 1 },
    )
    return { code: lines.join('\n') + '\n', map: encodedMap(map) }
  }

  const { scenario, lineOf } = parsed
  const name = scenario.name ?? scenarioNameOf(input.file)
  const expectPosition = scenario.expect ? lineOf(['expect']) : undefined
  const common = { name, file: input.file, absoluteFile: input.absoluteFile, seed: scenario.seed, expectPosition }
  let module: ScenarioModule
  let taskPosition: SourcePosition
  if (scenario.generate) {
    module = { kind: 'generate', ...common, generate: scenario.generate }
    taskPosition = lineOf(['generate'])
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
    }
    module = { kind: 'tasks', ...common, tasks: [task] }
    taskPosition = lineOf(['workflow'])
  }

  emit(`import { openScenarioSuite } from ${JSON.stringify(input.suiteModule)};`)
  emit(`const suite = openScenarioSuite(${JSON.stringify(module)});`)
  emit(`suite.describe(() => {`, lineOf([]))
  emit(module.kind === 'generate' ? `suite.allTasks();` : `suite.taskAt(0);`, taskPosition)
  emit(`});`)
  return { code: lines.join('\n') + '\n', map: encodedMap(map) }
}
