import { z } from 'zod'
import { scenarioSchema } from './schema.ts'

export type JsonSchema = z.core.JSONSchema.JSONSchema

/** The package has no public home yet, so the id names the schema without promising a URL. */
export const scenarioSchemaId = 'urn:awrr:schema:scenario'

/**
 * The JSON Schema of scenario files, for editor completion (`# yaml-language-server: $schema=...`).
 * It describes the input, so fields with defaults are optional; cross-field rules (unknown tools,
 * steps out of range) exist only in the zod schema.
 */
export function scenarioJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-2020-12' })
  return {
    // Written first so these keys lead the file; the spread below sets the same value again.
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: scenarioSchemaId,
    title: 'AWRR scenario',
    description: 'One scenario (`workflow:`) or a suite that generates many tasks (`generate:`).',
    ...schema,
  }
}

/** The text of `schema/scenario.schema.json`. */
export function renderScenarioJsonSchema(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`
}
