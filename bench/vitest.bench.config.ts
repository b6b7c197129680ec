import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { HeapReporter } from './heap-reporter.ts'
import type { awrr as awrrFromSources } from '../src/plugin/index.ts'

// The compiled plugin (bench/run.mjs runs `npm run build` first): the benchmark measures AWRR as a
// user installs it, with its runtime imported by Node rather than transformed by Vite. Imported by
// URL so that type-checking a checkout without dist/ does not fail; the sources give the type.
const { awrr } = (await import(new URL('../dist/plugin/index.js', import.meta.url).href)) as { awrr: typeof awrrFromSources }

// The benchmark's Vitest run (bench/run.mjs spawns it): the plugin with its defaults, every default
// strategy, on the suites named in AWRR_BENCH_INCLUDE, writing to a directory of its own so a
// benchmark never overwrites the project's .awrr/.
const include = (process.env['AWRR_BENCH_INCLUDE'] ?? 'scenarios/bench/ws-bench-balanced.scenario.yaml').split(',')

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  plugins: [awrr({ include, outputDir: process.env['AWRR_BENCH_OUT'] ?? 'bench/.out/awrr' })],
  // `--profile` passes `--cpu-prof --cpu-prof-dir=...` to the workers (NODE_OPTIONS may not carry it).
  test: {
    // No tests of its own: without `projects`, the plugin would keep the root's default include
    // (every *.test.ts in the repository) as a `tests` project beside the strategies, and the
    // benchmark would time this repository's test suite too.
    projects: [],
    // The main process's heap after GC at the end (bench/heap-reporter.ts); AWRR's reporter follows.
    reporters: ['default', new HeapReporter(process.env['AWRR_BENCH_HEAP_FILE'])],
    execArgv: (process.env['AWRR_BENCH_EXEC_ARGV'] ?? '').split(' ').filter((arg) => arg !== ''),
  },
})
