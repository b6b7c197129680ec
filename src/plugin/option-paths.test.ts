import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { awrr } from './awrr-plugin.ts'
import { assertSafeName, resolveOutputDir } from './option-paths.ts'

const configOf = (options: Parameters<typeof awrr>[0], root = '/projects/shop') => {
  const plugin = awrr(options)
  return (plugin.config as unknown as (config: Record<string, unknown>) => { test: { projects: { test: { provide: Record<string, any> } }[] } })({ root })
}

describe('names that become path segments (traces/<name>/, memory/<name>.json)', () => {
  test.each(['B2', 'B2-nosaga', 'shop.v1', 'my_agent', 'X'])('accepts %j', (name) => {
    expect(() => assertSafeName(name, 'strategy')).not.toThrow()
  })

  test.each(['../../../../x', '..', '.', 'a/b', 'a\\b', '', ' B2', '-rf', 'a\u0000b', 'x\u001b[2J', 'é'.repeat(2), 'x'.repeat(65)])('refuses %j, saying what a name may hold', (name) => {
    expect(() => assertSafeName(name, 'strategy')).toThrow(/\[awrr\] The strategy name .* cannot name a folder: use letters, digits/)
  })

  test('the message shows control characters escaped, never raw', () => {
    expect(() => assertSafeName('x\u001b[2J', 'agent')).toThrow('"x\\x1b[2J"')
  })

  test('the plugin refuses a strategy or agent named like a path before anything runs', () => {
    expect(() => awrr({ strategies: [{ name: '../../../../x', strategy: 'B2' }] })).toThrow(/strategy name "..\/..\/..\/..\/x" cannot name a folder/)
    expect(() => awrr({ strategies: ['B2'], agents: [{ name: 'shop/../../v1', module: './a.ts' }] })).toThrow(/agent name "shop\/..\/..\/v1" cannot name a folder/)
  })
})

describe('outputDir', () => {
  const root = path.resolve('/projects/shop')

  test('inside the root: resolved relative to it', () => {
    expect(resolveOutputDir(root, '.awrr', false)).toBe('.awrr')
    expect(resolveOutputDir(root, 'out/../reports/awrr', false)).toBe('reports/awrr')
    expect(resolveOutputDir(root, path.join(root, 'abs-inside'), false)).toBe('abs-inside')
  })

  test.each(['../elsewhere', '/tmp/awrr-out', '..'])('outside the root (%s) is refused without allowOutsideRoot', (outputDir) => {
    expect(() => resolveOutputDir(root, outputDir, false)).toThrow(/\[awrr\] outputDir ".*" is outside the project root .*; set allowOutsideRoot: true/)
  })

  test('outside the root with allowOutsideRoot: true, relative to the root so that workers and the reporter agree', () => {
    expect(resolveOutputDir(root, '../elsewhere', true)).toBe('../elsewhere')
    expect(resolveOutputDir(root, '/tmp/awrr-out', true)).toBe(path.relative(root, '/tmp/awrr-out'))
  })

  test('the plugin applies it when the config resolves', () => {
    expect(() => configOf({ strategies: ['B2'], outputDir: '../elsewhere' })).toThrow(/outputDir "..\/elsewhere" is outside the project root/)
    const config = configOf({ strategies: ['B2'], outputDir: '../elsewhere', allowOutsideRoot: true })
    const strategyProject = config.test.projects.find((project) => project.test.provide?.['awrr:strategy'] === 'B2')
    expect(strategyProject!.test.provide['awrr:config'].outputDirRelative).toBe('../elsewhere')
  })
})
