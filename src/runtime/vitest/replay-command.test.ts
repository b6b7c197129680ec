import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { printableLine } from '../text/control-characters.ts'
import { replayCommand, testNamePattern } from './replay-command.ts'

/**
 * The printed command is pasted into a shell. Here a real /bin/sh runs it with a stand-in `npx`
 * first on PATH that writes down the arguments it received, so the test sees exactly what Vitest
 * would get, and whether the payload in a name ran.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'awrr-replay-'))
const argvFile = path.join(dir, 'argv.json')
writeFileSync(path.join(dir, 'npx'), `#!/bin/sh\nnode -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({ seed: process.env.AWRR_SEED, args: process.argv.slice(2) }))' "${argvFile}" "$@"\n`)
chmodSync(path.join(dir, 'npx'), 0o755)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function pasteIntoShell(command: string): { seed: string; args: string[] } {
  rmSync(argvFile, { force: true })
  execFileSync('/bin/sh', ['-c', command], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env['PATH']}` } })
  return JSON.parse(readFileSync(argvFile, 'utf8'))
}

const hostile = [
  'x $(touch PWNED)',
  'x `touch PWNED`',
  "it's; touch PWNED",
  '"; touch PWNED; echo "',
  'a | touch PWNED',
  'a && touch PWNED #',
  '$HOME ${PATH} \\ \' "',
  '-t',
]

describe('replayCommand', () => {
  test.each(hostile)('a task id %j stays one literal argument and runs nothing', (taskId) => {
    const command = replayCommand({ seed: 42, file: 'scenarios/x.scenario.yaml', project: 'B2', suiteName: 'checkout', testName: taskId })
    const seen = pasteIntoShell(command)
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false)
    expect(seen.seed).toBe('42')
    expect(seen.args).toEqual(['vitest', 'run', 'scenarios/x.scenario.yaml', '--project', 'B2', '-t', testNamePattern('checkout', taskId)])
    // What Vitest receives selects exactly the test of that name (full name: suite, space, test).
    expect(new RegExp(seen.args[6]!).test(`checkout ${taskId}`)).toBe(true)
    expect(new RegExp(seen.args[6]!).test(`checkout ${taskId}0`)).toBe(false)
  })

  test('file paths with spaces and shell syntax are quoted too', () => {
    const file = "scenarios/it's $(touch PWNED)/a b.scenario.yaml"
    const seen = pasteIntoShell(replayCommand({ seed: 7, file, project: 'B1', suiteName: 's', testName: 'main' }))
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false)
    expect(seen.args[2]).toBe(file)
  })

  test('control characters never reach the command: any character in the pattern, the file filter cut before them', () => {
    const command = replayCommand({ seed: 1, file: 'scenarios/a\u001b[2Jb.scenario.yaml', project: 'B2', suiteName: 's\u202e', testName: 'get\r\u001b]8;;http://x\u0007' })
    expect(command).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    const seen = pasteIntoShell(command)
    expect(seen.args[2]).toBe('scenarios/a')
    expect(new RegExp(seen.args[6]!).test('s\u202e get\r\u001b]8;;http://x\u0007')).toBe(true)
  })

  test('a task whose id holds control characters is selected by its printable name, the one Vitest has', () => {
    // The scenario suite gives Vitest `printableLine(id)`; the command is built from that name.
    const [suiteName, testName] = [printableLine('s\u202e'), printableLine('get\r\u001b]8;;http://x\u0007 $(touch PWNED)')]
    const seen = pasteIntoShell(replayCommand({ seed: 1, file: 'scenarios/a.scenario.yaml', project: 'B2', suiteName, testName }))
    expect(existsSync(path.join(dir, 'PWNED'))).toBe(false)
    const pattern = new RegExp(seen.args[6]!)
    expect(pattern.test('s\\u202e get\\r\\x1b]8;;http://x\\x07 $(touch PWNED)')).toBe(true)
    expect(pattern.test('s\\u202e get\\r\\x1b]8;;http://x\\x07 $(touch PWNED) 2')).toBe(false)
  })

  test('T1 does not also select T10', () => {
    expect(new RegExp(testNamePattern('suite', 'T1')).test('suite T10')).toBe(false)
    expect(new RegExp(testNamePattern('suite', 'T1')).test('suite T1')).toBe(true)
  })

  test('the pattern selects the test under both full-name forms: vitest 4 joins with a space, vitest 5 with " > "', () => {
    const pattern = new RegExp(testNamePattern('checkout', 'main'))
    expect(pattern.test('checkout main')).toBe(true)
    expect(pattern.test('checkout > main')).toBe(true)
    expect(pattern.test('checkout >> main')).toBe(false)
    expect(pattern.test('checkout-main')).toBe(false)
  })
})
