import { Document, isMap, isScalar, isSeq, visit } from 'yaml'
import { parseScenarioSource } from './load-scenario.ts'
import type { ScenarioIssue } from './scenario-error.ts'

export interface WriteScenarioOptions {
  /** Comment lines written above the document (without the `#`). */
  header?: readonly string[]
  /** Path of `scenario.schema.json` relative to where the file will live, for editor completion. */
  schemaPath?: string
  /** Comments for nodes, by key path: written above that entry. */
  comments?: ReadonlyMap<string, string>
  /** File name the result is checked under (it only shapes issue messages). @default 'generated.scenario.yaml' */
  file?: string
}

export type WrittenScenario = { ok: true; text: string } | { ok: false; text: string; issues: ScenarioIssue[] }

/**
 * Renders scenario data as the YAML a person would write: collections of plain values on one line
 * (`with: { record_id: REC1 }`), everything else in block style. The text is parsed back with the
 * scenario loader before it is returned, so a command that writes it never hands out a file that
 * does not load; when it does not, the issues say why (a bug, or a file over the size limit).
 */
export function writeScenarioYaml(data: Record<string, unknown>, options: WriteScenarioOptions = {}): WrittenScenario {
  const doc = new Document(data)
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true
    },
    Map(_, node, path) {
      // A one-key item of a list reads better as `- tool: commit` than as `- {tool: commit}`.
      const minimum = isSeq(path[path.length - 1]) ? 2 : 1
      if (node.items.length >= minimum && node.items.every((pair) => isScalar(pair.value))) node.flow = true
    },
  })
  for (const [path, comment] of options.comments ?? []) {
    const node = doc.getIn(path.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment)), true)
    if (isMap(node) || isSeq(node) || isScalar(node)) node.commentBefore = ` ${comment}`
  }
  const header = [
    ...(options.schemaPath === undefined ? [] : [`yaml-language-server: $schema=${options.schemaPath}`]),
    ...(options.header ?? []),
  ]
  if (header.length > 0) doc.commentBefore = header.map((line) => ` ${line}`).join('\n')
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false })
  const parsed = parseScenarioSource(text, options.file ?? 'generated.scenario.yaml')
  return parsed.ok ? { ok: true, text } : { ok: false, text, issues: parsed.issues }
}
