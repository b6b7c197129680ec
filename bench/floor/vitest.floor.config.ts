import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { HeapReporter } from '../heap-reporter.ts'

// The floor's Vitest run (bench/run.mjs spawns it): one project per strategy, as AWRR's plugin
// declares them, with the same Vitest settings the plugin gives its projects (no isolation, a
// worker per core), each running floor.test.ts with that strategy's call count. AWRR_FLOOR is
// JSON: { tasks, requestBytes, responseBytes, projects: [{ name, calls }] }.
const shape = JSON.parse(process.env['AWRR_FLOOR'] ?? '{"tasks":10,"requestBytes":40,"responseBytes":120,"projects":[{"name":"floor","calls":60}]}') as {
  tasks: number
  requestBytes: number
  responseBytes: number
  projects: { name: string; calls: number }[]
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    reporters: ['default', new HeapReporter(process.env['AWRR_BENCH_HEAP_FILE'])],
    maxWorkers: availableParallelism(),
    projects: shape.projects.map((project) => ({
      test: {
        name: project.name,
        include: ['floor.test.ts'],
        isolate: false,
        // `--profile` passes `--cpu-prof --cpu-prof-dir=...` to the workers.
        execArgv: (process.env['AWRR_BENCH_EXEC_ARGV'] ?? '').split(' ').filter((arg) => arg !== ''),
        provide: { 'floor:tasks': shape.tasks, 'floor:calls': project.calls, 'floor:requestBytes': shape.requestBytes, 'floor:responseBytes': shape.responseBytes },
      },
    })),
  },
})
