import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseScenarioSource } from '../../runtime/scenario/load-scenario.ts'
import { configAdvice, init, initProject } from './init.ts'

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

  test('says what to add to a vitest.config.ts that exists, and leaves it as it is', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'awrr-init-'))
    const mine = "import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { include: ['test/**'] } })\n"
    writeFileSync(path.join(root, 'vitest.config.ts'), mine)
    const cwd = process.cwd()
    let out = ''
    try {
      process.chdir(root)
      const sink = { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream
      expect(await init.run([], { stdout: sink, stderr: sink })).toBe(0)
    } finally {
      process.chdir(cwd)
    }
    expect(readFileSync(path.join(root, 'vitest.config.ts'), 'utf8')).toBe(mine)
    expect(out).toContain('kept  vitest.config.ts (exists; --force overwrites)')
    expect(out).toContain('vitest.config.ts exists and was left as it is. Add AWRR to it:')
    expect(out).toContain("import { awrr } from 'awrr/plugin'")
    expect(out).toContain('plugins: [awrr()]')
  })

  test('says nothing needs adding when the config already uses awrr', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'awrr-init-'))
    writeFileSync(path.join(root, 'vite.config.ts'), "import { awrr } from 'awrr/plugin'\nexport default { plugins: [awrr()] }\n")
    const result = initProject(root)
    expect(result.existingConfig).toEqual({ file: 'vite.config.ts', usesAwrr: true })
    expect(configAdvice(result.existingConfig!)).toBe('vite.config.ts already uses awrr: nothing to add.\n')
  })
})
