import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { resolveInsideRoot, resolveSeed } from './awrr-plugin.ts'

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
