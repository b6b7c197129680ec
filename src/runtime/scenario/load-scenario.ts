import { isAlias, isMap, isNode, isScalar, isSeq, Lexer, LineCounter, parseDocument, visit, type Alias, type Document, type YAMLError } from 'yaml'
import type { z } from 'zod'
import { scenarioJsonSchema, type JsonSchema } from './json-schema.ts'
import { isScenarioIssueCode, printableIssue, type ScenarioIssue, type ScenarioIssueCode } from './scenario-error.ts'
import { scenarioSchema, type Scenario } from './schema.ts'

export interface ParseScenarioOptions {
  /**
   * Larger files are rejected before they are parsed.
   * @default 1_048_576 (1 MiB)
   */
  maxBytes?: number
  /**
   * How far aliases may expand (yaml's `maxAliasCount`), against "billion laughs" files.
   * @default 50
   */
  maxAliasCount?: number
  /**
   * How deep mappings and lists may nest. yaml composes recursively: a deeper file would exhaust the
   * stack at a point that depends on the caller's stack depth, not on the file.
   * @default 64
   */
  maxDepth?: number
}
export type ResolvedParseScenarioOptions = Required<ParseScenarioOptions>
export const defaultParseScenarioOptions: ResolvedParseScenarioOptions = { maxBytes: 1024 * 1024, maxAliasCount: 50, maxDepth: 64 }

/** Key path into a scenario file: `['faults', 0, 'prob']`. */
export type ScenarioPath = readonly (string | number)[]

/** 1-based. */
export interface SourcePosition {
  line: number
  column: number
}

export type ParseScenarioResult =
  | {
      ok: true
      /** Defaults applied; `name` defaults to the file name without `.scenario.yaml`. */
      scenario: Scenario
      /** Where a path is written (its key, for a mapping entry), or its closest written parent. */
      lineOf(path: ScenarioPath): SourcePosition
    }
  | { ok: false; issues: ScenarioIssue[] }

interface Source {
  text: string
  doc: Document.Parsed
  lineCounter: LineCounter
}

/**
 * Parses and validates one scenario file. Bad input never throws: every problem comes back as an
 * issue with its position, sorted by line, so the plugin can report them all at once.
 */
export function parseScenarioSource(
  source: string | Uint8Array,
  file: string,
  options: ParseScenarioOptions = {},
): ParseScenarioResult {
  const { maxBytes, maxAliasCount, maxDepth } = { ...defaultParseScenarioOptions, ...options }
  const size = typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength
  if (size > maxBytes) {
    const message = `the file must be at most ${maxBytes} bytes (got ${size}); split it or raise maxBytes`
    return failed([issue('file_too_large', [], { line: 1, column: 1 }, `at most ${maxBytes} bytes`, `${size} bytes`, message)])
  }
  const text = typeof source === 'string' ? source : decodeUtf8(source)
  if (typeof text !== 'string') return failed([text])

  const tooDeep = firstTooDeep(text, maxDepth)
  if (tooDeep !== undefined) {
    const message = `mappings and lists nest more than maxDepth (${maxDepth}) levels deep here; flatten the data or raise maxDepth`
    return failed([issue('nesting_limit', [], positionInText(text, tooDeep), `at most ${maxDepth} levels of nesting`, `more than ${maxDepth}`, message)])
  }

  const lineCounter = new LineCounter()
  // yaml's own duplicate-key check compares every key with every earlier one (quadratic in keys per
  // mapping, minutes for a 1 MiB file); checkKeys does it in one pass.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, logLevel: 'error' })
  const src: Source = { text, doc, lineCounter }
  const syntaxIssues = withoutCascades(doc.errors).map((error) => yamlIssue(src, error))
  const keyProblems = checkKeys(src)
  if (syntaxIssues.length > 0 || keyProblems.length > 0) return failed([...syntaxIssues, ...keyProblems])
  if (doc.contents === null) {
    const received = text.trim() === '' ? 'an empty file' : 'only comments'
    return failed([issue('empty_file', [], { line: 1, column: 1 }, 'a mapping with `workflow:` or `generate:`', received)])
  }

  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount })
  } catch (error) {
    return failed([aliasIssue(src, maxAliasCount, error)])
  }
  const result = scenarioSchema.safeParse(data)
  if (!result.success) return failed(result.error.issues.flatMap((zodIssue) => schemaIssues(src, zodIssue)))
  return {
    ok: true,
    scenario: { ...result.data, name: result.data.name ?? defaultScenarioName(file) },
    lineOf: (path) => positionOf(src, locate(src, path), true),
  }
}

function failed(issues: ScenarioIssue[]): ParseScenarioResult {
  // zod can report one value twice (an unsafe integer is both too big and not an integer).
  const seen = new Set<string>()
  const unique = issues.filter((entry) => {
    const key = JSON.stringify([entry.code, entry.path, entry.line, entry.column, entry.message])
    return !seen.has(key) && !!seen.add(key)
  })
  return { ok: false, issues: unique.map(printableIssue).sort((a, b) => a.line - b.line || a.column - b.column) }
}

function issue(
  code: ScenarioIssueCode,
  path: ScenarioPath,
  position: SourcePosition,
  expected: string,
  received: string,
  message = `${subject(path)} must be ${expected} (got ${received})`,
): ScenarioIssue {
  return { code, path: path.join('.'), expected, received, message, ...position }
}

const subject = (path: ScenarioPath) => (path.length === 0 ? 'the file' : path.join('.'))

function defaultScenarioName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file
  return base.replace(/(\.scenario)?\.ya?ml$/, '')
}

/** Decodes strictly; on failure the issue points at the first sequence that is not UTF-8. */
function decodeUtf8(bytes: Uint8Array): string | ScenarioIssue {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    // A streaming decode accepts every valid prefix, and valid prefixes only grow: bisect for the longest.
    const decodePrefix = (end: number) =>
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, end), { stream: true })
    let good = 0
    let bad = bytes.length + 1
    while (bad - good > 1) {
      const mid = (good + bad) >>> 1
      try {
        decodePrefix(mid)
        good = mid
      } catch {
        bad = mid
      }
    }
    const prefix = decodePrefix(good)
    const badStart = new TextEncoder().encode(prefix).length
    const badBytes = [...bytes.subarray(badStart, good + 1)].map((byte) => `0x${byte.toString(16).padStart(2, '0')}`)
    const lines = prefix.replace(/^\uFEFF/, '').split('\n')
    const position = { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 }
    return issue('invalid_utf8', [], position, 'UTF-8 text', `bytes ${badBytes.join(' ')}`)
  }
}

/** After a first error, yaml reports every later token it cannot place: one mistake, not many. */
function withoutCascades(errors: readonly YAMLError[]): YAMLError[] {
  return errors.filter((error, index) => index === 0 || error.code !== 'UNEXPECTED_TOKEN')
}

function yamlIssue(src: Source, error: YAMLError): ScenarioIssue {
  // A missing closing quote or bracket is found at the end of the file; the fix is where it opens.
  const offset = unclosedNodeEndingAt(src, error.pos[0]) ?? error.pos[0]
  const path = pathAt(src.doc.contents, offset)
  const position = positionAt(src, offset)
  const lineStart = src.text.lastIndexOf('\n', offset - 1) + 1
  const lineEnd = src.text.indexOf('\n', offset)
  const written =
    offset >= src.text.length
      ? 'the end of the file'
      : abbreviate(src.text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd)) || 'an empty line'
  const reason = error.message.charAt(0).toLowerCase() + error.message.slice(1)
  return issue('yaml_syntax', path, position, 'valid YAML', written, `invalid YAML: ${reason} (got ${written})`)
}

function aliasIssue(src: Source, maxAliasCount: number, error: unknown): ScenarioIssue {
  // In document order an alias resolves to an anchor seen before it; one pass, where asking each
  // alias to resolve itself walks the whole document per alias.
  const aliases: Alias[] = []
  const anchors = new Set<string>()
  let unresolved: Alias | undefined
  visit(src.doc, (_, node) => {
    if (isAlias(node)) {
      aliases.push(node)
      if (!anchors.has(node.source)) unresolved ??= node
    } else if (isNode(node) && node.anchor) {
      anchors.add(node.anchor)
    }
  })
  const alias = unresolved ?? aliases[0]
  // Without aliases the throw is not about this file's input: a bug worth seeing as is.
  if (alias === undefined) throw error
  const path = pathAt(src.doc.contents, alias.range?.[0] ?? 0)
  const position = positionAt(src, alias.range?.[0] ?? 0)
  if (unresolved) {
    const expected = `an alias of an anchor defined above it (&${alias.source})`
    return issue('yaml_syntax', path, position, expected, `*${alias.source}`, `invalid YAML: alias *${alias.source} has no anchor before it`)
  }
  const message = `aliases expand to more than maxAliasCount (${maxAliasCount}) allows; write the repeated values out`
  return issue('alias_limit', path, position, `at most ${maxAliasCount} alias expansions`, `more than ${maxAliasCount}`, message)
}

const codeOfZodIssue: Partial<Record<z.core.$ZodIssue['code'], ScenarioIssueCode>> = {
  invalid_type: 'invalid_type',
  too_big: 'out_of_range',
  too_small: 'out_of_range',
  custom: 'custom',
}

function schemaIssues(src: Source, zodIssue: z.core.$ZodIssue): ScenarioIssue[] {
  const path = zodIssue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))
  if (zodIssue.code === 'unrecognized_keys') {
    const known = Object.keys(jsonSchemaAt(path)?.properties ?? {}).join(', ')
    return zodIssue.keys.map((key) => {
      const keyPath = [...path, key]
      const position = positionOf(src, locate(src, keyPath), true)
      return issue('unknown_key', keyPath, position, `one of ${known}`, key, `${subject(keyPath)} is not a known key (expected one of ${known})`)
    })
  }
  const located = locate(src, path)
  if (zodIssue.code === 'invalid_key') {
    const keySchema = asSchema(jsonSchemaAt(path.slice(0, -1))?.propertyNames)
    const expected = keySchema ? `a key that is ${describeSchema(keySchema)}` : zodIssue.message
    return [issue('invalid_value', path, positionOf(src, located, true), expected, String(path.at(-1)))]
  }
  const params: Record<string, unknown> = (zodIssue.code === 'custom' && zodIssue.params) || {}
  const code = isScenarioIssueCode(params['code'])
    ? params['code']
    : located.found
      ? (codeOfZodIssue[zodIssue.code] ?? 'invalid_value')
      : 'missing_key'
  const schema = jsonSchemaAt(path)
  // zod bounds every integer by the safe range, which describeSchema leaves out as no bound a person set.
  const bound = zodIssue.code === 'too_big' ? zodIssue.maximum : zodIssue.code === 'too_small' ? zodIssue.minimum : undefined
  const unsafeInteger = Math.abs(Number(bound)) >= Number.MAX_SAFE_INTEGER
  const expected =
    typeof params['expected'] === 'string'
      ? params['expected']
      : schema
        ? unsafeInteger && describeSchema(schema) === 'an integer'
          ? `an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`
          : describeSchema(schema)
        : zodIssue.message
  const received = typeof params['received'] === 'string' ? params['received'] : located.found ? writtenValue(src, located.node) : 'nothing'
  // A bound set for a reason (`x-limit-reason` in the schema) says why, so the limit is not a guess.
  const reason = zodIssue.code === 'too_big' ? schema?.['x-limit-reason'] : undefined
  if (typeof reason === 'string') {
    return [issue(code, path, positionOf(src, located, false), expected, received, `${subject(path)} must be ${expected} (got ${received}): ${reason}`)]
  }
  return [issue(code, path, positionOf(src, located, false), expected, received)]
}

interface Located {
  /** The node at the path, or at the closest parent that is written. */
  node: unknown
  /** The key of that node when it is a mapping entry. */
  key: unknown
  found: boolean
}

function locate(src: Source, path: ScenarioPath): Located {
  let located: Located = { node: src.doc.contents, key: null, found: true }
  for (const segment of path) {
    const parent = isAlias(located.node) ? located.node.resolve(src.doc) : located.node
    if (isMap(parent)) {
      const pair = parent.items.find((item) => keyText(item.key) === String(segment))
      if (!pair) return { ...located, found: false }
      located = { node: pair.value, key: pair.key, found: true }
    } else if (isSeq(parent) && typeof segment === 'number' && segment < parent.items.length) {
      located = { node: parent.items[segment], key: null, found: true }
    } else {
      return { ...located, found: false }
    }
  }
  return located
}

/** A mapping entry's key when asked for, or when its value is not written (`key:` alone). */
function positionOf(src: Source, { node, key }: Located, preferKey: boolean): SourcePosition {
  const written = isNode(node) && node.range && node.range[1] > node.range[0]
  const target = isNode(key) && (preferKey || !written) ? key : node
  return positionAt(src, isNode(target) ? (target.range?.[0] ?? 0) : 0)
}

function positionAt(src: Source, offset: number): SourcePosition {
  const { line, col } = src.lineCounter.linePos(offset)
  return { line, column: col }
}

/** The key path of the deepest node at `offset`. */
function pathAt(node: unknown, offset: number): (string | number)[] {
  const contains = (child: unknown) => isNode(child) && !!child.range && child.range[0] <= offset && offset < child.range[2]
  if (isMap(node)) {
    for (const pair of node.items) {
      if (contains(pair.key)) return [keyText(pair.key)]
      if (contains(pair.value)) return [keyText(pair.key), ...pathAt(pair.value, offset)]
    }
  }
  if (isSeq(node)) {
    const index = node.items.findIndex(contains)
    if (index >= 0) return [index, ...pathAt(node.items[index], offset)]
  }
  return []
}

// As yaml's toJS turns a key into an object key: null becomes the empty string.
const keyText = (key: unknown) => (isScalar(key) ? (key.value === null ? '' : String(key.value)) : String(key))

/**
 * Keys that would not survive as written: a repeated key (the last would silently win), `__proto__`
 * (zod drops it, and as a record id it would reach Object.prototype), and null or collection keys
 * (yaml turns them into strings nobody wrote).
 */
function checkKeys(src: Source): ScenarioIssue[] {
  const issues: ScenarioIssue[] = []
  // Recursion is bounded: firstTooDeep has capped the nesting before the document was built.
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isSeq(node)) node.items.forEach((item, index) => walk(item, [...path, index]))
    if (!isMap(node)) return
    const seen = new Set<string>()
    for (const pair of node.items) {
      const { key } = pair
      const position = positionAt(src, isNode(key) ? (key.range?.[0] ?? 0) : (node.range?.[0] ?? 0))
      if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
        const received = isMap(key) ? 'a mapping' : isSeq(key) ? 'a list' : isScalar(key) && key.value !== null ? writtenValue(src, key) : 'null'
        const message = `${subject(path)} has a key that is ${received}; keys must be strings or numbers`
        issues.push(issue('invalid_value', path, position, 'a key that is a string or a number', received, message))
        continue
      }
      const text = keyText(key)
      const keyPath = [...path, text]
      if (text === '__proto__') {
        const message = `${subject(keyPath)} cannot be used: __proto__ is not kept as a key by JavaScript objects`
        issues.push(issue('invalid_value', keyPath, position, 'a key other than __proto__', text, message))
      } else if (seen.has(text)) {
        const message = `${subject(keyPath)} is a duplicate key: each key may appear once per mapping`
        issues.push(issue('duplicate_key', keyPath, position, 'each key once per mapping', `"${text}" again`, message))
      }
      seen.add(text)
      walk(pair.value, keyPath)
    }
  }
  walk(src.doc.contents, [])
  return issues
}

/** The start of the innermost quoted scalar or flow collection that ends at `offset` unclosed. */
function unclosedNodeEndingAt(src: Source, offset: number): number | undefined {
  const closers: Record<string, string> = { '"': '"', "'": "'", '[': ']', '{': '}' }
  let start: number | undefined
  visit(src.doc, (_, node) => {
    if (!isNode(node) || !node.range || node.range[1] !== offset) return
    const written = src.text.slice(node.range[0], node.range[1]).trimEnd()
    const closer = closers[written[0] ?? '']
    const closed = closer !== undefined && written.length > 1 && written.endsWith(closer)
    if (closer !== undefined && !closed && (start === undefined || node.range[0] > start)) start = node.range[0]
  })
  return start
}

/** Line and column of an offset, for issues found before yaml has counted the lines. */
function positionInText(text: string, offset: number): SourcePosition {
  let line = 1
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line++
  return { line, column: offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1 }
}

/**
 * Offset of the first mapping or list that nests deeper than `maxDepth`, from yaml's lexer alone
 * (linear, no recursion). Block collections open at a column: a `-`, a `?`, or a key followed by
 * `:`; a later opener at a smaller column closes them. Flow collections open at `[` and `{`.
 */
function firstTooDeep(text: string, maxDepth: number): number | undefined {
  const blocks: { column: number; list: boolean }[] = []
  let flow = 0
  let offset = 0
  let column = 0
  let scalarNext = false
  /** Where the node being written on this line began: a key, if a `:` follows. */
  let nodeStart: { offset: number; column: number } | undefined
  const opens = (at: number, list: boolean): boolean => {
    while (blocks.length > 0 && blocks.at(-1)!.column > at) blocks.pop()
    let top = blocks.at(-1)
    // `key:` then `- item` at the key's column, then `next:`: the key ends that list.
    if (top?.column === at && top.list && !list) {
      blocks.pop()
      top = blocks.at(-1)
    }
    if (top?.column === at && top.list === list) return false
    blocks.push({ column: at, list })
    return blocks.length + flow > maxDepth
  }
  for (const token of new Lexer().lex(text)) {
    // Control characters the lexer inserts are markers, not source text.
    if (token === '\x02' || token === '\x18') continue
    if (token === '\x1f') {
      scalarNext = true
      continue
    }
    const start = { offset, column }
    offset += token.length
    const newline = token.lastIndexOf('\n')
    column = newline < 0 ? column + token.length : token.length - newline - 1
    if (scalarNext) {
      scalarNext = false
      nodeStart ??= start
      continue
    }
    switch (token) {
      case '[':
      case '{':
        nodeStart ??= start
        if (++flow + blocks.length > maxDepth) return start.offset
        break
      case ']':
      case '}':
        flow = Math.max(0, flow - 1)
        break
      case '-':
      case '?':
        if (flow > 0) break
        if (opens(start.column, token === '-')) return start.offset
        nodeStart = undefined
        break
      case ':': {
        if (flow > 0) break
        const key = nodeStart ?? start
        if (opens(key.column, false)) return key.offset
        nodeStart = undefined
        break
      }
      case '---':
        blocks.length = 0
        nodeStart = undefined
        break
      default:
        if (token[0] === '\n' || token[0] === '\r') nodeStart = undefined
        else if ('"\'&!*'.includes(token[0] ?? ' ')) nodeStart ??= start
    }
  }
  return undefined
}

function writtenValue(src: Source, node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return node.items.length === 0 ? 'an empty list' : `a list of ${node.items.length} item${node.items.length === 1 ? '' : 's'}`
  if (!isNode(node) || !node.range) return 'nothing'
  return abbreviate(src.text.slice(node.range[0], node.range[1])) || 'nothing'
}

function abbreviate(text: string): string {
  const oneLine = text.trim().replace(/\s+/g, ' ')
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine
}

let inputJsonSchema: JsonSchema | undefined

/** The JSON Schema of the value at a path: a plain description of what it must be. */
function jsonSchemaAt(path: ScenarioPath): JsonSchema | undefined {
  let schema: JsonSchema | undefined = (inputJsonSchema ??= scenarioJsonSchema())
  for (const segment of path) {
    if (schema === undefined) return undefined
    schema = typeof segment === 'number' ? asSchema(schema.items) : asSchema(schema.properties?.[segment] ?? schema.additionalProperties)
  }
  return schema
}

const asSchema = (value: unknown): JsonSchema | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonSchema) : undefined

/** `a number in [0, 1]`, `one of once, per_attempt`, `a list of at least 1 item`. */
function describeSchema(schema: JsonSchema): string {
  if (schema.enum) return `one of ${schema.enum.join(', ')}`
  switch (schema.type) {
    case 'integer':
    case 'number':
      return describeNumber(schema)
    case 'string': {
      const pattern = schema.pattern === undefined ? '' : ` matching /${schema.pattern}/`
      return `a string${lengthText(schema.minLength, schema.maxLength, 'character')}${pattern}`
    }
    case 'array':
      return `a list${lengthText(schema.minItems, schema.maxItems, 'item')}`
    case 'object':
      return 'a mapping'
    case 'boolean':
      return 'true or false'
    default:
      return 'any value'
  }
}

function describeNumber(schema: JsonSchema): string {
  // zod writes the safe-integer range into every integer; it is no bound a person sets.
  const bound = (value: unknown) => (typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined)
  const kind = schema.type === 'integer' ? 'an integer' : 'a number'
  const [low, lowOpen] = [bound(schema.exclusiveMinimum) ?? bound(schema.minimum), bound(schema.exclusiveMinimum) !== undefined]
  const [high, highOpen] = [bound(schema.exclusiveMaximum) ?? bound(schema.maximum), bound(schema.exclusiveMaximum) !== undefined]
  if (low !== undefined && high !== undefined) return `${kind} in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`
  if (low !== undefined) return `${kind} ${lowOpen ? '>' : '>='} ${low}`
  if (high !== undefined) return `${kind} ${highOpen ? '<' : '<='} ${high}`
  return kind
}

function lengthText(min: number | undefined, max: number | undefined, unit: string): string {
  const units = (count: number) => `${count} ${unit}${count === 1 ? '' : 's'}`
  if (min !== undefined && min > 0 && max !== undefined) return ` of ${min} to ${units(max)}`
  if (min !== undefined && min > 0) return ` of at least ${units(min)}`
  if (max !== undefined) return ` of at most ${units(max)}`
  return ''
}
