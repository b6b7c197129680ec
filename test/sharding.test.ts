import { existsSync, readFileSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturePath, runVitest, type VitestRun } from './run-vitest.ts'

// One unsharded run and one run split in two shards and merged, same seed and same gates: one gate
// that B0 cannot meet (it does not recover, and checkout-conflict always conflicts) and one met.
const gates = 'B0.wcr>=1,*.tasks==32'
const fullDir = '.awrr/e2e-shard-full'
const mergedDir = '.awrr/e2e-shard-merged'
const blobDir = '.awrr/e2e-shard-blobs'
const env = (outputDir: string) => ({ AWRR_FIXTURE_OUTPUT: outputDir, AWRR_GATES: gates, AWRR_UPDATE_BASELINE: '', GITHUB_STEP_SUMMARY: '' })
const file = (dir: string, name: string) => fixturePath('reports', dir, name)
const reportFiles = ['report.json', 'report.md', 'report.csv', 'report.html']

/** The AWRR part of a run's output, with the output folder named the same for both runs. */
function awrrSection(run: VitestRun, outputDir: string): string {
  const start = run.stdout.indexOf('AWRR leaderboard (')
  expect(start).toBeGreaterThanOrEqual(0)
  return run.stdout.slice(start).replaceAll(outputDir, '<out>').trimEnd()
}

describe('--shard with --reporter=blob, then --merge-reports', () => {
  let full: VitestRun
  let shards: VitestRun[]
  let merged: VitestRun

  beforeAll(async () => {
    for (const dir of [fullDir, mergedDir, blobDir]) rmSync(fixturePath('reports', dir), { recursive: true, force: true })
    full = await runVitest('reports', [], env(fullDir))
    shards = await Promise.all(
      [1, 2].map((index) =>
        // Each shard its own output directory, as on its own CI machine: two runs at once in one
        // directory would wait on its run lock (and clear each other's traces).
        runVitest('reports', [`--shard=${index}/2`, '--reporter=blob', `--outputFile=${blobDir}/blob-${index}.json`], env(`${mergedDir}-shard-${index}`)),
      ),
    )
  }, 600_000)
  afterAll(() => {
    for (const dir of [fullDir, mergedDir, blobDir, `${mergedDir}-shard-1`, `${mergedDir}-shard-2`]) rmSync(fixturePath('reports', dir), { recursive: true, force: true })
  })

  it('the unsharded run fails on the missed gate', () => {
    expect(full.code, full.output).toBe(1)
    expect(full.stdout).toMatch(/^ {2}FAIL {2}B0 +wcr +required >= 1 +actual 0\.\d{3}$/m)
  })

  it('a shard checks no gate and writes no report', () => {
    for (const shard of shards) {
      expect(shard.code, shard.output).toBe(0)
      expect(shard.output).not.toContain('AWRR leaderboard')
      expect(shard.output).not.toContain('Gates')
    }
    for (const name of reportFiles) {
      for (const index of [1, 2]) expect(existsSync(file(`${mergedDir}-shard-${index}`, name))).toBe(false)
    }
    expect(existsSync(fixturePath('reports', blobDir, 'blob-1.json'))).toBe(true)
    expect(existsSync(fixturePath('reports', blobDir, 'blob-2.json'))).toBe(true)
  })

  it('the merge gives the same reports, gates and exit code as the unsharded run', async () => {
    merged = await runVitest('reports', ['--merge-reports', blobDir], env(mergedDir))
    expect(merged.code, merged.output).toBe(full.code)
    for (const name of reportFiles) {
      expect(readFileSync(file(mergedDir, name), 'utf8'), name).toBe(readFileSync(file(fullDir, name), 'utf8'))
    }
    const report = JSON.parse(readFileSync(file(mergedDir, 'report.json'), 'utf8')) as { strategies: Record<string, { tasks: unknown[] }>; gates: { pass: boolean }[] }
    expect(Object.values(report.strategies).map((entry) => entry.tasks.length)).toEqual([32, 32, 32])
    expect(report.gates.filter((gate) => !gate.pass)).toHaveLength(1)
    expect(awrrSection(merged, mergedDir)).toBe(awrrSection(full, fullDir))
  }, 300_000)
})
