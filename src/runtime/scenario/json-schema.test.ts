import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { renderScenarioJsonSchema, scenarioJsonSchema } from './json-schema.ts'

describe('scenarioJsonSchema', () => {
  test('schema/scenario.schema.json is up to date', () => {
    const written = readFileSync(new URL('../../../schema/scenario.schema.json', import.meta.url), 'utf8')
    expect(written, 'stale: run `npx tsx scripts/write-schema.ts`').toBe(renderScenarioJsonSchema())
  })

  test('describes the input: defaults make keys optional, unknown keys are refused', () => {
    const schema = scenarioJsonSchema()
    expect(schema).toMatchObject({ $id: 'urn:awrr:schema:scenario', type: 'object', additionalProperties: false })
    expect(schema.required).toBeUndefined()
    expect(schema.properties?.['faults']).toMatchObject({ items: { required: ['type'], additionalProperties: false } })
  })
})
