import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { awrr } from '../src/plugin/index.ts'

// The benchmark's Vitest run (bench/run.mjs spawns it): the plugin with its defaults, every default
// strategy, on the suites named in AWRR_BENCH_INCLUDE, writing to a directory of its own so a
// benchmark never overwrites the project's .awrr/.
const include = (process.env['AWRR_BENCH_INCLUDE'] ?? 'scenarios/bench/ws-bench-balanced.scenario.yaml').split(',')

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  plugins: [awrr({ include, outputDir: process.env['AWRR_BENCH_OUT'] ?? 'bench/.out/awrr' })],
  // `--profile` passes `--cpu-prof --cpu-prof-dir=...` to the workers (NODE_OPTIONS may not carry it).
  test: { execArgv: (process.env['AWRR_BENCH_EXEC_ARGV'] ?? '').split(' ').filter((arg) => arg !== '') },
})
