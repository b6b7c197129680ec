import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { generateTasks } from '../../runtime/scenario/generate-tasks.ts'
import { parseScenarioSource } from '../../runtime/scenario/load-scenario.ts'
import { main } from '../main.ts'

async function awrr(...args: string[]) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const code = await main(args, { stdout, stderr })
  return { code, stdout: out, stderr: err }
}

const load = (text: string) => {
  const parsed = parseScenarioSource(text, 'suite.scenario.yaml')
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues))
  return parsed.scenario
}

describe('awrr generate', () => {
  test('writes a generate: suite with only what was asked for', async () => {
    const result = await awrr('generate', '--tasks', '300', '--seed', '7', '--profile', 'balanced', '--domains', 'healthcare,content', '--name', 'mix')
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout.split('\n')[0]).toBe('# Written by `awrr generate --tasks 300 --seed 7 --profile balanced --domains healthcare,content --name mix`.')
    const scenario = load(result.stdout)
    expect(scenario.name).toBe('mix')
    expect(scenario.generate).toEqual({ tasks: 300, seed: 7, profile: 'balanced', domains: ['healthcare', 'content'], workflows: ['saga_payment', 'double_write', 'refund_flow'] })
    expect(result.stdout).not.toContain('workflows')
  })

  test('--expand writes the very tasks the generate: form expands to', async () => {
    const args = ['--tasks', '40', '--seed', '3', '--profile', 'saga', '--mix', 'ecommerce=1,healthcare=1,content=2']
    const compact = load((await awrr('generate', ...args)).stdout)
    const expanded = load((await awrr('generate', ...args, '--expand')).stdout)
    expect(expanded.generate).toBeUndefined()
    expect(expanded.seed).toBeUndefined()
    const fromGenerator = generateTasks(compact.generate!, 3)
    expect(expanded.tasks).toHaveLength(40)
    expect(expanded.tasks).toEqual(fromGenerator.map(({ index: _index, ...task }) => task))
  })

  test('names the option that is wrong', async () => {
    expect(await awrr('generate', '--profile', 'balanced')).toMatchObject({ code: 1, stderr: '[awrr] awrr generate needs --tasks N.\n' })
    expect((await awrr('generate', '--tasks', 'many', '--profile', 'balanced')).stderr).toBe('[awrr] --tasks must be an integer (got "many").\n')
    expect((await awrr('generate', '--tasks', '0', '--profile', 'balanced')).stderr).toMatch(/^\[awrr\] --tasks: /)
    expect((await awrr('generate', '--tasks', '5', '--profile', 'chaos')).stderr).toMatch(/^\[awrr\] --profile: .*"balanced"\|"separation"\|"saga"/)
    expect((await awrr('generate', '--tasks', '5', '--profile', 'saga', '--domains', 'retail')).stderr).toContain('Unknown domain "retail"')
  })
})
