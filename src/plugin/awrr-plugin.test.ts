import path from 'node:path'
import { availableParallelism } from 'node:os'
import { describe, expect, it, test } from 'vitest'
import { awrr, resolveInsideRoot, resolveSeed, validateExecutorOptions } from './awrr-plugin.ts'

describe('resolveInsideRoot', () => {
  const root = path.resolve('/projects/shop')

  it('resolves module paths inside the project', () => {
    expect(resolveInsideRoot(root, './agents/v1.ts', 'agent')).toBe(path.join(root, 'agents/v1.ts'))
    expect(resolveInsideRoot(root, 'strategies/../strategies/mine.ts', 'strategy')).toBe(path.join(root, 'strategies/mine.ts'))
  })

  it.each(['../other/agent.ts', '../../etc/passwd', '/tmp/agent.ts'])('refuses %s, which leaves the project root', (relative) => {
    expect(() => resolveInsideRoot(root, relative, 'agent')).toThrow(/resolves outside the project root/)
  })
})

describe('resolveSeed', () => {
  it('takes AWRR_SEED over the configured seed, and the configured seed when it is unset or empty', () => {
    expect(resolveSeed(42, { AWRR_SEED: '7' })).toBe(7)
    expect(resolveSeed(42, {})).toBe(42)
    expect(resolveSeed(42, { AWRR_SEED: '' })).toBe(42)
  })

  it('refuses a seed that is not an integer, naming the variable', () => {
    expect(() => resolveSeed(42, { AWRR_SEED: 'forty-two' })).toThrow(/AWRR_SEED must be an integer/)
    expect(() => resolveSeed(42, { AWRR_SEED: '1.5' })).toThrow(/AWRR_SEED/)
  })
})

describe('validateExecutorOptions', () => {
  test('accepts whole numbers in range and leaves unset options to their defaults', () => {
    expect(() => validateExecutorOptions({})).not.toThrow()
    expect(() => validateExecutorOptions({ decisionTimeoutMs: 60_000, attemptTimeoutMs: 1, maxToolCalls: 50, saga: false })).not.toThrow()
  })

  test.each([
    ['decisionTimeoutMs', Number.POSITIVE_INFINITY],
    ['decisionTimeoutMs', 2 ** 31],
    ['attemptTimeoutMs', 0],
    ['maxToolCalls', 1.5],
    ['loopGuard', Number.NaN],
    ['compensationAttempts', -1],
  ] as const)('refuses %s = %s, naming the option', (key, value) => {
    expect(() => validateExecutorOptions({ [key]: value })).toThrow(new RegExp(`executor\\.${key} must be a whole number`))
  })
})

describe('the projects the plugin declares', () => {
  const projectsOf = (userTest: Record<string, unknown> = {}, options: Parameters<typeof awrr>[0] = {}) => {
    const plugin = awrr({ strategies: ['B0', 'B2'], agents: [{ name: 'shop', module: './agent.ts', timeoutMs: 5_000 }], ...options })
    const config = (plugin.config as unknown as (config: Record<string, unknown>) => { test: { projects: { test: Record<string, unknown> }[]; maxWorkers?: number } })({ root: '/p', test: userTest })
    return config.test
  }

  test('give strategy projects a test timeout above AWRR limits, agents their limit plus the success check, and run a worker per core', () => {
    const test = projectsOf()
    expect(test.projects.map((project) => [project.test['name'], project.test['testTimeout']])).toEqual([
      ['tests', undefined],
      ['B0', 600_000],
      ['B2', 600_000],
      ['shop', 5_000 + 120_000 + 10_000],
    ])
    expect(test.maxWorkers).toBe(availableParallelism())
  })

  test("leave the user's own testTimeout and maxWorkers alone", () => {
    const test = projectsOf({ testTimeout: 1_234, maxWorkers: 1 })
    expect(test.projects.filter((project) => ['B0', 'B2'].includes(project.test['name'] as string)).map((project) => project.test['testTimeout'])).toEqual([
      undefined,
      undefined,
    ])
    expect(test.maxWorkers).toBeUndefined()
  })
})

describe('the repeats option', () => {
  test('is a whole number from 1 to 1000, checked when the config loads', () => {
    for (const repeats of [0, 1.5, 1_001, Number.POSITIVE_INFINITY]) {
      expect(() => awrr({ repeats })).toThrow(`[awrr] repeats must be a whole number from 1 to 1000 (got ${repeats}).`)
    }
    expect(() => awrr({ repeats: 5 })).not.toThrow()
  })
})
