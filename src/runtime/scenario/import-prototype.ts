import { isBuiltinTool } from '../tools/tool-specs.ts'
import { faultModes, faultTypes, layers, type FaultMode, type FaultType, type Layer } from './schema.ts'

/**
 * Reads the original Python prototype's task files: one JSON object per line,
 *
 *   { task_id, initial_world_state: { records, inventory, audit_log },
 *     steps: [{ step_idx, step_name, tool_name, params }],
 *     fault_injections: [{ step_idx, fault_type, prob, fault_id, scenario, mode,
 *                          force_first_attempt?, layer_override? }],
 *     success_condition: { type: record_status, record_id, expected_status } }
 *
 * and turns each line into one task of a `tasks:` scenario. Nothing is dropped in silence: a field
 * this importer does not know, or knows but cannot carry over, becomes a note with its line; a line
 * that cannot become a runnable task is skipped with an error note.
 */

export interface ImportNote {
  /** 1-based line of the task file. */
  line: number
  /** Where in that line's object: `fault_injections[0].fault_type`; empty for the whole line. */
  path: string
  severity: 'error' | 'warning'
  message: string
}

export interface ImportedTask {
  id: string
  world: { records: Record<string, Record<string, unknown>>; inventory: Record<string, number> }
  workflow: { tool: string; name?: string; with?: Record<string, unknown> }[]
  faults: {
    id: string
    step: number
    type: FaultType
    mode: FaultMode
    prob: number
    force_first_attempt?: boolean
    layer?: Layer
  }[]
  success?: { record: string; status: string }
}

export interface ImportResult {
  tasks: ImportedTask[]
  /** The prototype's scenario label of each fault, by `tasks.<i>.faults.<j>`: kept as a YAML comment. */
  faultLabels: Map<string, string>
  notes: ImportNote[]
  /** Non-blank lines read. */
  lines: number
}

const normalize = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

/**
 * Fault type names, matched case-insensitively and ignoring `_`/`-`/spaces (the prototype writes
 * `HTTP_500`, hand-made files `http500` or `Http-500`), plus the HTTP status spellings people use
 * for the same faults.
 */
const faultTypeByName: ReadonlyMap<string, FaultType> = new Map<string, FaultType>([
  ...faultTypes.map((type): [string, FaultType] => [normalize(type), type]),
  ['http503', 'Unavailable'],
  ['serviceunavailable', 'Unavailable'],
  ['http429', 'RateLimited'],
  ['ratelimit', 'RateLimited'],
  ['toomanyrequests', 'RateLimited'],
  ['connectionreset', 'NetworkError'],
  ['http401', 'AuthDenied'],
  ['unauthorized', 'AuthDenied'],
  ['http403', 'PolicyRejected'],
  ['forbidden', 'PolicyRejected'],
  ['http404', 'NotFound'],
  ['http400', 'BadRequest'],
  ['http409', 'Conflict'],
])

const modeByName: ReadonlyMap<string, FaultMode> = new Map(faultModes.map((mode): [string, FaultMode] => [normalize(mode), mode]))
const layerByName: ReadonlyMap<string, Layer> = new Map(layers.map((layer): [string, Layer] => [normalize(layer), layer]))

const knownFields = {
  task: ['task_id', 'initial_world_state', 'steps', 'fault_injections', 'success_condition'],
  world: ['records', 'inventory', 'audit_log'],
  step: ['step_idx', 'step_name', 'tool_name', 'params'],
  fault: ['step_idx', 'fault_type', 'prob', 'fault_id', 'scenario', 'mode', 'force_first_attempt', 'layer_override'],
  success: ['type', 'record_id', 'expected_status'],
} as const

type JsonObject = Record<string, unknown>
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)
const describe = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value))

/** Thrown inside one line's conversion: the line is skipped, the note says why. */
class SkipTask extends Error {}

class LineReader {
  constructor(
    readonly line: number,
    readonly notes: ImportNote[],
  ) {}

  warn(path: string, message: string): void {
    this.notes.push({ line: this.line, path, severity: 'warning', message })
  }

  fail(path: string, message: string): never {
    this.notes.push({ line: this.line, path, severity: 'error', message: `${message}; the task is skipped` })
    throw new SkipTask(message)
  }

  unknownFields(object: JsonObject, known: readonly string[], path: string): void {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) this.warn(join(path, key), `unknown field ${JSON.stringify(key)} (value ${abbreviate(describe(object[key]))}) is not imported`)
    }
  }
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`)
const abbreviate = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text)

export function importPrototypeTasks(text: string): ImportResult {
  const result: ImportResult = { tasks: [], faultLabels: new Map(), notes: [], lines: 0 }
  const seen = new Map<string, number>()
  text.split(/\r?\n/).forEach((content, offset) => {
    if (content.trim() === '') return
    result.lines++
    const reader = new LineReader(offset + 1, result.notes)
    try {
      const { task, labels } = convertLine(content, reader)
      const earlier = seen.get(task.id)
      if (earlier !== undefined) reader.fail('task_id', `task_id ${JSON.stringify(task.id)} is already used on line ${earlier}`)
      seen.set(task.id, reader.line)
      labels.forEach((label, faultIndex) => {
        if (label !== undefined) result.faultLabels.set(`tasks.${result.tasks.length}.faults.${faultIndex}`, `prototype scenario: ${label}`)
      })
      result.tasks.push(task)
    } catch (error) {
      if (!(error instanceof SkipTask)) throw error
    }
  })
  return result
}

function convertLine(content: string, reader: LineReader): { task: ImportedTask; labels: (string | undefined)[] } {
  let parsed: unknown
  try {
    parsed = JSON.parse(content)
  } catch (error) {
    reader.fail('', `not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
  if (!isObject(parsed)) reader.fail('', `expected a JSON object per line (got ${abbreviate(describe(parsed))})`)
  reader.unknownFields(parsed, knownFields.task, '')

  const id = taskIdOf(parsed['task_id'], reader)
  const world = worldOf(parsed['initial_world_state'], reader)
  const workflow = stepsOf(parsed['steps'], reader)
  const faults = faultsOf(parsed['fault_injections'], workflow.length, reader)
  const success = successOf(parsed['success_condition'], reader)
  return {
    task: { id, world, workflow, faults: faults.map(({ fault }) => fault), ...(success ? { success } : {}) },
    labels: faults.map(({ label }) => label),
  }
}

function taskIdOf(value: unknown, reader: LineReader): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (value === undefined) {
    const id = `line-${reader.line}`
    reader.warn('task_id', `task_id is missing; the task is named ${id}`)
    return id
  }
  return reader.fail('task_id', `task_id must be a string of 1 to 200 characters (got ${abbreviate(describe(value))})`)
}

function worldOf(value: unknown, reader: LineReader): ImportedTask['world'] {
  const world: ImportedTask['world'] = { records: {}, inventory: {} }
  if (value === undefined) {
    reader.warn('initial_world_state', 'initial_world_state is missing; the task starts from an empty world')
    return world
  }
  if (!isObject(value)) return reader.fail('initial_world_state', `initial_world_state must be an object (got ${abbreviate(describe(value))})`)
  reader.unknownFields(value, knownFields.world, 'initial_world_state')
  const { records, inventory, audit_log: auditLog } = value
  if (records !== undefined) {
    if (!isObject(records)) reader.fail('initial_world_state.records', 'records must be an object of records')
    for (const [id, record] of Object.entries(records)) {
      if (!isObject(record)) reader.fail(`initial_world_state.records.${id}`, `record ${id} must be an object (got ${abbreviate(describe(record))})`)
      world.records[id] = record
    }
  }
  if (inventory !== undefined) {
    if (!isObject(inventory)) reader.fail('initial_world_state.inventory', 'inventory must be an object of item -> count')
    for (const [item, count] of Object.entries(inventory)) {
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
        reader.fail(`initial_world_state.inventory.${item}`, `inventory ${item} must be an integer >= 0 (got ${abbreviate(describe(count))})`)
      }
      world.inventory[item] = count
    }
  }
  if (Array.isArray(auditLog) && auditLog.length > 0) {
    // AWRR's audit log records what the task did; prior history has no place to go.
    reader.warn('initial_world_state.audit_log', `${auditLog.length} audit_log entries are not imported: an AWRR world starts with an empty audit log`)
  } else if (auditLog !== undefined && !Array.isArray(auditLog)) {
    reader.warn('initial_world_state.audit_log', `audit_log is not a list (got ${abbreviate(describe(auditLog))}) and is not imported`)
  }
  return world
}

function stepsOf(value: unknown, reader: LineReader): ImportedTask['workflow'] {
  if (!Array.isArray(value) || value.length === 0) return reader.fail('steps', `steps must be a non-empty list (got ${abbreviate(describe(value))})`)
  const indexed = value.map((step: unknown, position) => {
    const path = `steps[${position}]`
    if (!isObject(step)) return reader.fail(path, `a step must be an object (got ${abbreviate(describe(step))})`)
    reader.unknownFields(step, knownFields.step, path)
    const tool = step['tool_name'] ?? step['step_name']
    if (typeof tool !== 'string') return reader.fail(`${path}.tool_name`, `tool_name must be a string (got ${describe(step['tool_name'])})`)
    if (!isBuiltinTool(tool)) return reader.fail(`${path}.tool_name`, `unknown tool ${JSON.stringify(tool)}: not a tool of the built-in tool service`)
    const stepIndex = step['step_idx'] ?? position
    if (typeof stepIndex !== 'number' || !Number.isInteger(stepIndex)) return reader.fail(`${path}.step_idx`, `step_idx must be an integer (got ${describe(step['step_idx'])})`)
    const params = step['params'] ?? {}
    if (!isObject(params)) return reader.fail(`${path}.params`, `params must be an object (got ${abbreviate(describe(params))})`)
    const name = step['step_name']
    return {
      stepIndex,
      step: {
        tool,
        ...(typeof name === 'string' && name !== tool ? { name } : {}),
        ...(Object.keys(params).length > 0 ? { with: paramsFor(tool, params) } : {}),
      },
    }
  })
  const sorted = [...indexed].sort((a, b) => a.stepIndex - b.stepIndex)
  sorted.forEach((entry, position) => {
    if (entry.stepIndex !== position) {
      reader.fail('steps', `step_idx values must be 0 to ${sorted.length - 1}, each once (got ${sorted.map((other) => other.stepIndex).join(', ')})`)
    }
  })
  return sorted.map((entry) => entry.step)
}

/**
 * The prototype's `policy_check` reads `context.required_inventory: { widget: 1 }`; the built-in one
 * reads `required_inventory: { item_id, qty }`. Without the translation the check could never refuse.
 */
function paramsFor(tool: string, params: JsonObject): JsonObject {
  if (tool !== 'policy_check' || params['required_inventory'] !== undefined) return params
  const required = isObject(params['context']) ? params['context']['required_inventory'] : undefined
  if (!isObject(required)) return params
  const entries = Object.entries(required)
  if (entries.length !== 1 || typeof entries[0]![1] !== 'number') return params
  const [item, qty] = entries[0]!
  return { ...params, required_inventory: { item_id: item, qty } }
}

function faultsOf(value: unknown, steps: number, reader: LineReader): { fault: ImportedTask['faults'][number]; label: string | undefined }[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) return reader.fail('fault_injections', `fault_injections must be a list (got ${abbreviate(describe(value))})`)
  return value.map((entry: unknown, position) => {
    const path = `fault_injections[${position}]`
    if (!isObject(entry)) return reader.fail(path, `a fault must be an object (got ${abbreviate(describe(entry))})`)
    reader.unknownFields(entry, knownFields.fault, path)
    const step = entry['step_idx']
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step >= steps) {
      return reader.fail(`${path}.step_idx`, `step_idx must be a step of this task, 0 to ${steps - 1} (got ${describe(step)})`)
    }
    const fault: ImportedTask['faults'][number] = {
      id: faultIdOf(entry['fault_id'], position),
      step,
      type: faultTypeOf(entry['fault_type'], `${path}.fault_type`, reader),
      mode: modeOf(entry['mode'], `${path}.mode`, reader),
      prob: probOf(entry['prob'], `${path}.prob`, reader),
    }
    const forced = entry['force_first_attempt']
    if (forced !== undefined) {
      if (typeof forced !== 'boolean') reader.fail(`${path}.force_first_attempt`, `force_first_attempt must be true or false (got ${describe(forced)})`)
      if (forced) fault.force_first_attempt = true
    }
    const layer = entry['layer_override']
    if (layer !== undefined && layer !== null) {
      const known = typeof layer === 'string' ? layerByName.get(normalize(layer)) : undefined
      if (!known) reader.fail(`${path}.layer_override`, `layer_override must be one of ${layers.join(', ')} (got ${describe(layer)})`)
      fault.layer = known
    }
    const label = entry['scenario']
    return { fault, label: typeof label === 'string' && label !== '' ? label : undefined }
  })
}

function faultIdOf(value: unknown, position: number): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return `F${position}`
}

function faultTypeOf(value: unknown, path: string, reader: LineReader): FaultType {
  const type = typeof value === 'string' ? faultTypeByName.get(normalize(value)) : undefined
  if (!type) return reader.fail(path, `unknown fault_type ${describe(value)}; known types: ${faultTypes.join(', ')}`)
  if (normalize(type) !== normalize(value as string)) reader.warn(path, `fault_type ${describe(value)} is read as ${type}`)
  return type
}

function modeOf(value: unknown, path: string, reader: LineReader): FaultMode {
  // The prototype's injector treats a missing mode as `once`.
  if (value === undefined) return 'once'
  const mode = typeof value === 'string' ? modeByName.get(normalize(value)) : undefined
  if (!mode) return reader.fail(path, `unknown mode ${describe(value)}; known modes: ${faultModes.join(', ')}`)
  // first_n needs a count the prototype's format has no field for.
  if (mode === 'first_n') return reader.fail(path, 'mode first_n needs a `times` the prototype format cannot carry; write the task by hand')
  return mode
}

function probOf(value: unknown, path: string, reader: LineReader): number {
  if (value === undefined) {
    // The prototype's injector reads a missing prob as 0.0: the fault never fires (except a forced first attempt).
    reader.warn(path, 'prob is missing; imported as 0, as the prototype reads it (the fault never fires unless forced)')
    return 0
  }
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) return reader.fail(path, `prob must be a number in [0, 1] (got ${describe(value)})`)
  return value
}

function successOf(value: unknown, reader: LineReader): ImportedTask['success'] {
  if (value === undefined) {
    reader.warn('success_condition', 'success_condition is missing; the task succeeds when its workflow reaches the end')
    return undefined
  }
  if (!isObject(value)) return reader.fail('success_condition', `success_condition must be an object (got ${abbreviate(describe(value))})`)
  reader.unknownFields(value, knownFields.success, 'success_condition')
  if (value['type'] !== 'record_status') {
    return reader.fail('success_condition.type', `success_condition type ${describe(value['type'])} is not supported (only record_status)`)
  }
  const record = value['record_id']
  const status = value['expected_status']
  if (typeof record !== 'string' || record === '') return reader.fail('success_condition.record_id', `record_id must be a string (got ${describe(record)})`)
  if (typeof status !== 'string' || status === '') return reader.fail('success_condition.expected_status', `expected_status must be a string (got ${describe(status)})`)
  return { record, status }
}
