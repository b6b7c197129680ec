import { escapeControlCharacters } from '../text/control-characters.ts'

/** Stable issue codes: tools and tests match on these, never on message text. */
export const scenarioIssueCodes = [
  'yaml_syntax',
  'duplicate_key',
  'unknown_key',
  'missing_key',
  'invalid_type',
  'out_of_range',
  'invalid_value',
  'unknown_tool',
  'step_out_of_range',
  'missing_times',
  'alias_limit',
  'nesting_limit',
  'file_too_large',
  'empty_file',
  'invalid_utf8',
  'missing_env',
  'env_not_allowed',
  'env_too_short',
  'invalid_url',
  'invalid_header',
  'outside_root',
  'custom',
] as const
export type ScenarioIssueCode = (typeof scenarioIssueCodes)[number]

/** One problem in a scenario file, as data: where it is, what was expected and what was found. */
export interface ScenarioIssue {
  code: ScenarioIssueCode
  /** Key path in the file, `faults.0.prob`; empty for the file as a whole. */
  path: string
  expected: string
  /** The value as written in the file, or a description of it (`a list`, `nothing`). */
  received: string
  /** One sentence without the file name: `faults.0.prob must be a number in [0, 1] (got 1.5)`. */
  message: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
}

/**
 * The issue with every text field safe to print: control characters from the file (ESC, OSC 8,
 * a lone `\r`, bidi overrides) shown as escapes, so an error cannot clear a screen, fake a link or
 * reorder what a reader sees.
 */
export function printableIssue(issue: ScenarioIssue): ScenarioIssue {
  const safe = (text: string) => escapeControlCharacters(text, { singleLine: true })
  return { ...issue, path: safe(issue.path), expected: safe(issue.expected), received: safe(issue.received), message: safe(issue.message) }
}

export function isScenarioIssueCode(value: unknown): value is ScenarioIssueCode {
  return scenarioIssueCodes.includes(value as ScenarioIssueCode)
}

/** `[awrr] Failed to load scenario "scenarios/x.scenario.yaml:14:11": faults.0.prob must be ... (got 1.5).` */
export function formatScenarioIssue(file: string, issue: ScenarioIssue): string {
  return `[awrr] Failed to load scenario "${escapeControlCharacters(file, { singleLine: true })}:${issue.line}:${issue.column}": ${escapeControlCharacters(issue.message, { singleLine: true })}.`
}

const invalidScenarioCode = 'AWRR_INVALID_SCENARIO'

/** A scenario file that cannot be loaded; its message has one line per issue. */
export class AwrrScenarioError extends Error {
  override readonly name = 'AwrrScenarioError'
  readonly code = invalidScenarioCode
  readonly file: string
  readonly issues: readonly ScenarioIssue[]

  constructor(file: string, issues: readonly ScenarioIssue[]) {
    super(issues.map((issue) => formatScenarioIssue(file, issue)).join('\n'))
    this.file = file
    this.issues = issues.map(printableIssue)
  }

  /** Matches on the code, not the class: errors cross Vitest's worker boundary as plain objects. */
  static is(value: unknown): value is AwrrScenarioError {
    return typeof value === 'object' && value !== null && (value as { code?: unknown }).code === invalidScenarioCode
  }
}
