import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseScenarioSource } from '../../runtime/scenario/load-scenario.ts'
import { initProject } from './init.ts'

describe('awrr init', () => {
  test('writes a config, a valid example scenario and the .gitignore line', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'awrr-init-'))
    const result = initProject(root)
    expect(result.written.sort()).toEqual(['.gitignore', 'scenarios/example.scenario.yaml', 'vitest.config.ts'])
    expect(readFileSync(path.join(root, 'vitest.config.ts'), 'utf8')).toContain("from 'awrr/plugin'")
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('.awrr/\n')
    const example = readFileSync(path.join(root, 'scenarios/example.scenario.yaml'), 'utf8')
    expect(example.startsWith('# yaml-language-server: $schema=')).toBe(true)
    const parsed = parseScenarioSource(example, 'scenarios/example.scenario.yaml')
    expect(parsed.ok).toBe(true)
  })

  test('keeps existing files and appends to an existing .gitignore once', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'awrr-init-'))
    writeFileSync(path.join(root, 'vitest.config.mjs'), 'export default {}\n')
    writeFileSync(path.join(root, '.gitignore'), 'node_modules')
    const first = initProject(root)
    expect(first.skipped).toContain('vitest.config.mjs')
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('node_modules\n.awrr/\n')
    const second = initProject(root)
    expect(second.skipped).toEqual(expect.arrayContaining(['.gitignore', 'scenarios/example.scenario.yaml']))
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('node_modules\n.awrr/\n')
  })
})
