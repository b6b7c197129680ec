import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { defaultAwrrOptions } from '../src/plugin/awrr-plugin.ts'
import { copyExample, installPackedProject, mustRun, readJson, runCommand, type PackedProject, type PackedTarball } from './packed-project.ts'
import { expectRealTimersRun } from './real-timers-assertions.ts'
import { expectShopRun } from './shop-run-assertions.ts'

// A newcomer's path, for real: the packed tarball (not this checkout) installed into an empty
// project next to vitest from the npm registry, `npx awrr init` and its example, then the examples
// copied in and run there unchanged (the shop against a real local HTTP service). Installs take a
// while, hence the timeouts.

const installTimeout = 600_000
let installed: PackedProject | undefined
let npmCache: string
let project: string
let tarball: PackedTarball

beforeAll(async () => {
  installed = await installPackedProject({ name: 'pack-install', packages: ['vitest@~4.1'] })
  ;({ npmCache, project, tarball } = installed)
}, installTimeout)

afterAll(() => installed?.remove())

describe('the packed tarball', () => {
  test('holds the compiled code, its types, the bin, the schema and the README, and nothing else', () => {
    const files = tarball.files
    for (const needed of [
      'package.json',
      'README.md',
      'bin/awrr.mjs',
      'schema/scenario.schema.json',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/plugin/index.js',
      'dist/plugin/index.d.ts',
      'dist/runtime/index.js',
      'dist/reporters/index.js',
      'dist/tools/index.js',
      'dist/tools/index.d.ts',
      'dist/cli/main.js',
    ]) {
      expect(files, needed).toContain(needed)
    }
    const unwanted = files.filter(
      (file) =>
        /^(src|test|fixtures|examples|scenarios|bench|scripts|docs|node_modules|\.awrr)\//.test(file) ||
        /\.test\.(js|d\.ts)$/.test(file) ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')),
    )
    expect(unwanted).toEqual([])
  })

  test('installs with vitest ~4.1 and resolves every subpath export to compiled code', async () => {
    const installed = readJson(path.join(project, 'node_modules', 'vitest', 'package.json')).version as string
    expect(installed).toMatch(/^4\.1\./)
    const probe = await mustRun(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `for (const name of ['awrr', 'awrr/plugin', 'awrr/runtime', 'awrr/reporters', 'awrr/tools']) console.log(name, import.meta.resolve(name).replace(/^.*node_modules\\//, ''))`,
      ],
      { cwd: project, npmCache },
    )
    expect(probe.stdout.trim().split('\n')).toEqual([
      'awrr awrr/dist/index.js',
      'awrr/plugin awrr/dist/plugin/index.js',
      'awrr/runtime awrr/dist/runtime/index.js',
      'awrr/reporters awrr/dist/reporters/index.js',
      'awrr/tools awrr/dist/tools/index.js',
    ])
  })
})

describe('npx awrr init, then npx vitest run', () => {
  test('init writes vitest.config.ts, an example scenario with its schema comment, and .gitignore', async () => {
    const init = await mustRun('npx', ['awrr', 'init'], { cwd: project, npmCache })
    expect(init.stdout).toContain('wrote vitest.config.ts')
    expect(readFileSync(path.join(project, 'vitest.config.ts'), 'utf8')).toContain(`from 'awrr/plugin'`)
    const scenario = readFileSync(path.join(project, 'scenarios', 'example.scenario.yaml'), 'utf8')
    const schemaComment = /\$schema=(\S+)/.exec(scenario)
    expect(schemaComment).not.toBeNull()
    // The comment points at the schema inside the installed package, relative to the scenario.
    expect(existsSync(path.resolve(project, 'scenarios', schemaComment![1]!))).toBe(true)
    expect(readFileSync(path.join(project, '.gitignore'), 'utf8').split('\n')).toContain('.awrr/')
  })

  test("the example scenario runs under the default strategies and reports to .awrr/report.json", async () => {
    const run = await runCommand('npx', ['vitest', 'run'], { cwd: project, npmCache })
    expect(run.code, run.output).toBe(0)
    const report = readJson(path.join(project, '.awrr', 'report.json'))
    expect(Object.keys(report.strategies).sort()).toEqual(defaultAwrrOptions.strategies.map((strategy) => (typeof strategy === 'string' ? strategy : strategy.name)).sort())
    const outcome = (strategy: string) => report.strategies[strategy].tasks.map((task: any) => `${task.scenario}: ${task.outcome}`)
    expect(outcome('B0')).toEqual(['example-checkout: failed'])
    expect(outcome('B2')).toEqual(['example-checkout: completed'])
  }, installTimeout)
})

describe('the examples in the installed project', () => {
  test('shop: npx vitest run passes, with faults injected into calls to a real local service', async () => {
    const shopDir = path.join(project, 'shop')
    copyExample('shop', shopDir)
    const run = await runCommand('npx', ['vitest', 'run'], { cwd: shopDir, npmCache })
    expect(run.code, run.output).toBe(0)
    expectShopRun(shopDir, run.output)
  }, installTimeout)

  test('real-timers: an agent that waits minutes with setTimeout completes under fake timers', async () => {
    const exampleDir = path.join(project, 'real-timers')
    copyExample('real-timers', exampleDir)
    const run = await runCommand('npx', ['vitest', 'run'], { cwd: exampleDir, npmCache })
    expect(run.code, run.output).toBe(0)
    expectRealTimersRun(exampleDir, run.output)
  }, installTimeout)
})
