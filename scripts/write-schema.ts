// Regenerates schema/scenario.schema.json from the zod schema: `npx tsx scripts/write-schema.ts`.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderScenarioJsonSchema } from '../src/runtime/scenario/json-schema.ts'

const target = new URL('../schema/scenario.schema.json', import.meta.url)
mkdirSync(new URL('.', target), { recursive: true })
writeFileSync(target, renderScenarioJsonSchema())
console.log(`wrote ${fileURLToPath(target)}`)
