#!/usr/bin/env node
// `npm run bench`: how fast AWRR is, measured, never asserted. Writes bench/results.json and prints:
//   (a) the 100-task balanced suite under every default strategy: wall time of `vitest run`;
//   (b) 10,000 tasks x every default strategy: wall time, task runs per second, and peak RSS of the
//       Vitest processes; the same at 1,000 tasks shows whether memory grows with the suite;
//   (c) harness cost per tool call against a bare MSW-intercepted fetch in the same process;
//   (d) memory-bank lookup time at 10,000 entries.
// Options: --tasks N (b's large suite, default 10000), --small-tasks N (b's small one, default 1000,
// 0 to skip), --repeat N (runs of a, default 3), --only a,b,c,d, --profile (CPU profiles of (a)'s
// Vitest processes and of (c), summarised into results.json), --merge (keep the parts of the
// previous results.json that this run does not measure; each part records the load it ran under).
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { summariseProfiles } from './profile-summary.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = path.join(root, 'bench', '.out')
const vitestBin = path.join(root, 'node_modules', 'vitest', 'vitest.mjs')
const benchConfig = 'bench/vitest.bench.config.ts'

const { values: options } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    'small-tasks': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', default: 'a,b,c,d' },
    profile: { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
  },
})
const parts = new Set(options.only.split(','))
const largeTasks = Number(options.tasks)
const smallTasks = Number(options['small-tasks'])
const repeat = Number(options.repeat)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const round = (value, digits = 2) => (value === null || value === undefined ? null : Number(value.toFixed(digits)))
const log = (line) => process.stdout.write(`${line}\n`)

/** Milliseconds for a fixed CPU-bound workload: tells a slow machine, or a busy one, from a slow harness. */
function speedIndexMs() {
  const sample = { id: 'REC1', status: 'pending', items: Array.from({ length: 20 }, (_, index) => ({ index, name: `item-${index}` })) }
  const started = performance.now()
  for (let index = 0; index < 20_000; index++) JSON.parse(JSON.stringify(sample))
  return performance.now() - started
}

function defaultStrategies() {
  const source = readFileSync(path.join(root, 'src', 'plugin', 'awrr-plugin.ts'), 'utf8')
  const match = /defaultAwrrOptions[^=]*=\s*\{\s*strategies:\s*\[([^\]]*)\]/.exec(source)
  return match ? [...match[1].matchAll(/'([^']+)'/g)].map((item) => item[1]) : []
}

// --- Process-tree memory -------------------------------------------------------------------------

const hasProc = existsSync('/proc/self/status')

/** pid -> { ppid, rssKb } of every process, from /proc, or from `ps` where there is no /proc. */
function processTable() {
  const table = new Map()
  if (hasProc) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))
        table.set(Number(name), { ppid, rssKb: rss ? Number(rss[1]) : 0 })
      } catch {
        // The process ended between listing and reading.
      }
    }
    return table
  }
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid=,rss='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid, rss] = line.trim().split(/\s+/).map(Number)
    if (Number.isFinite(pid)) table.set(pid, { ppid, rssKb: rss })
  }
  return table
}

/** Samples the RSS of `rootPid` and all its descendants every `intervalMs` until stopped. */
function sampleTreeMemory(rootPid, intervalMs = 100) {
  const peak = { totalKb: 0, processKb: 0, mainKb: 0, processes: 0 }
  const sample = () => {
    const table = processTable()
    const tree = new Set([rootPid])
    let grew = true
    while (grew) {
      grew = false
      for (const [pid, { ppid }] of table) {
        if (!tree.has(pid) && tree.has(ppid)) {
          tree.add(pid)
          grew = true
        }
      }
    }
    let total = 0
    for (const pid of tree) {
      const rss = table.get(pid)?.rssKb ?? 0
      total += rss
      peak.processKb = Math.max(peak.processKb, rss)
    }
    peak.totalKb = Math.max(peak.totalKb, total)
    peak.mainKb = Math.max(peak.mainKb, table.get(rootPid)?.rssKb ?? 0)
    peak.processes = Math.max(peak.processes, tree.size)
  }
  const timer = setInterval(sample, intervalMs)
  sample()
  return () => {
    clearInterval(timer)
    sample()
    return peak
  }
}

// --- Vitest runs ---------------------------------------------------------------------------------

/** Runs `vitest run` with the bench config on `include`; wall time, exit code, peak memory, report. */
function runVitest({ include, outputDir, env = {}, nodeArgs = [] }) {
  rmSync(path.join(root, outputDir), { recursive: true, force: true })
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [...nodeArgs, vitestBin, 'run', '--config', benchConfig], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', AWRR_SEED: '', AWRR_BENCH_INCLUDE: include, AWRR_BENCH_OUT: outputDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stopSampling = sampleTreeMemory(child.pid)
    let output = ''
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const memory = stopSampling()
      const reportFile = path.join(root, outputDir, 'report.json')
      const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined
      resolve({ code, wallMs, memory, report, output, pid: child.pid })
    })
  })
}

const taskRunsOf = (report) =>
  report ? Object.values(report.strategies).reduce((sum, strategy) => sum + strategy.tasks.length, 0) : 0

function suiteFile(tasks) {
  const dir = path.join(out, 'suites')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `bench-${tasks}.scenario.yaml`)
  writeFileSync(
    file,
    [
      `# Written by bench/run.mjs: the balanced profile at ${tasks} tasks.`,
      `name: bench-${tasks}`,
      'generate:',
      `  tasks: ${tasks}`,
      '  seed: 42',
      '  profile: balanced',
      '  workflows: [saga_payment, double_write, refund_flow]',
      '',
    ].join('\n'),
  )
  return path.relative(root, file).split(path.sep).join('/')
}

function runTsx(script, env = {}, nodeArgs = []) {
  const output = execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(output.trim().split('\n').at(-1))
}

// --- The benchmark -------------------------------------------------------------------------------

const strategies = defaultStrategies()
const resultsFile = path.join(root, 'bench', 'results.json')
const previous = options.merge && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {}
const load = () => os.loadavg().map((value) => round(value))
const results = {
  ...previous,
  version: 1,
  date: new Date().toISOString(),
  machine: {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memory_gb: round(os.totalmem() / 2 ** 30, 1),
    load_before: os.loadavg().map((value) => round(value)),
    speed_index_ms: round(speedIndexMs(), 0),
  },
  strategies,
}
log(`AWRR benchmark on ${results.machine.cores} x ${results.machine.cpu}, Node ${process.version}, load ${results.machine.load_before.join(' ')}`)
log(`strategies: ${strategies.join(', ')}; speed index ${results.machine.speed_index_ms} ms (lower is faster)`)

if (parts.has('a') || parts.has('b')) {
  // The Vitest runs load the compiled plugin (bench/vitest.bench.config.ts): build it from src first.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' })
}

if (parts.has('a')) {
  const runs = []
  for (let index = 0; index < repeat; index++) {
    const run = await runVitest({ include: 'scenarios/bench/ws-bench-balanced.scenario.yaml', outputDir: 'bench/.out/balanced' })
    runs.push(run)
    if (run.code !== 0) log(`  (a) run ${index + 1}: vitest exited ${run.code}\n${run.output.slice(-3000)}`)
  }
  results.balanced_100 = {
    tasks: 100,
    task_runs: taskRunsOf(runs[0].report),
    wall_s: runs.map((run) => round(run.wallMs / 1000)),
    wall_s_median: round(median(runs.map((run) => run.wallMs)) / 1000),
    peak_rss_mb: round(Math.max(...runs.map((run) => run.memory.totalKb)) / 1024, 0),
    exit_codes: runs.map((run) => run.code),
    target_s: 5,
    load_after: load(),
  }
  const a = results.balanced_100
  log(`(a) 100 tasks x ${strategies.length} strategies: ${a.wall_s_median} s wall (runs ${a.wall_s.join(', ')} s; target < 5 s)`)
  if (options.profile) {
    const dir = path.join(out, 'profile-vitest')
    rmSync(dir, { recursive: true, force: true })
    const profiled = await runVitest({
      include: 'scenarios/bench/ws-bench-balanced.scenario.yaml',
      outputDir: 'bench/.out/balanced-profiled',
      env: { AWRR_BENCH_EXEC_ARGV: `--cpu-prof --cpu-prof-dir=${dir}` },
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    })
    const files = readdirSync(dir).map((name) => path.join(dir, name))
    const main = files.filter((file) => file.includes(`.${profiled.pid}.`))
    results.profile_vitest = {
      main_process: summariseProfiles(main),
      workers: summariseProfiles(files.filter((file) => !main.includes(file))),
    }
  }
}

if (parts.has('b')) {
  results.scale = []
  for (const tasks of [smallTasks, largeTasks].filter((count) => count > 0)) {
    const run = await runVitest({ include: suiteFile(tasks), outputDir: `bench/.out/scale-${tasks}` })
    const taskRuns = taskRunsOf(run.report)
    const entry = {
      tasks,
      task_runs: taskRuns,
      wall_s: round(run.wallMs / 1000),
      task_runs_per_s: round(taskRuns / (run.wallMs / 1000), 0),
      peak_rss_mb_total: round(run.memory.totalKb / 1024, 0),
      peak_rss_mb_largest_process: round(run.memory.processKb / 1024, 0),
      peak_rss_mb_main_process: round(run.memory.mainKb / 1024, 0),
      processes: run.memory.processes,
      exit_code: run.code,
      load_after: load(),
    }
    results.scale.push(entry)
    if (run.code !== 0) log(`  (b) ${tasks} tasks: vitest exited ${run.code}\n${run.output.slice(-3000)}`)
    log(
      `(b) ${tasks} tasks x ${strategies.length} strategies: ${entry.wall_s} s wall, ${entry.task_runs_per_s} task runs/s, ` +
        `peak RSS ${entry.peak_rss_mb_total} MB over ${entry.processes} processes (largest ${entry.peak_rss_mb_largest_process} MB, ` +
        `Vitest's main process ${entry.peak_rss_mb_main_process} MB)` +
        (tasks === largeTasks ? '; target < 60 s' : ''),
    )
  }
}

if (parts.has('c')) {
  results.harness_cost = { ...runTsx('bench/harness-cost.ts', {}, ['--expose-gc']), load_after: load() }
  const c = results.harness_cost
  log(
    `(c) per tool call: bare MSW fetch ${round(c.bare_msw_fetch_us, 0)} us, AWRR harness ${round(c.harness_no_faults_us, 0)} us without faults ` +
      `(${round(c.ratio_no_faults)} x; target <= 1.5 x), ${round(c.harness_balanced_us, 0)} us on the balanced suite (${round(c.ratio_balanced)} x)`,
  )
  if (c.retained_kb_per_bare_call !== null) {
    log(`    heap kept after GC: ${round(c.retained_kb_per_bare_call, 1)} KB per bare MSW fetch, ${round(c.retained_kb_per_task, 1)} KB per AWRR task`)
  }
  if (options.profile) {
    const dir = path.join(out, 'profile-harness')
    rmSync(dir, { recursive: true, force: true })
    runTsx('bench/harness-cost.ts', { BENCH_ROUNDS: '3' }, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
    results.profile_harness = summariseProfiles(readdirSync(dir).map((name) => path.join(dir, name)))
  }
}

if (parts.has('d')) {
  if (existsSync(path.join(root, 'src', 'runtime', 'memory', 'memory-bank.ts'))) {
    results.memory_lookup = { ...runTsx('bench/memory-lookup.ts'), load_after: load() }
    const { spread, one_bucket: oneBucket } = results.memory_lookup
    log(
      `(d) memory-bank lookup at ${spread.entries} entries: mean ${round(spread.mean_ms, 4)} ms (p99 ${round(spread.p99_ms, 3)} ms) over ${spread.buckets} buckets; ` +
        `all in one bucket: mean ${round(oneBucket.mean_ms, 3)} ms (p99 ${round(oneBucket.p99_ms, 3)} ms); target < 1 ms`,
    )
  } else {
    results.memory_lookup = { skipped: 'src/runtime/memory/memory-bank.ts does not exist yet' }
    log('(d) skipped: src/runtime/memory/memory-bank.ts does not exist yet')
  }
}

for (const key of ['profile_vitest', 'profile_harness']) {
  const profile = key === 'profile_vitest' ? results.profile_vitest?.workers : results.profile_harness
  if (!profile) continue
  log(`profile (${key === 'profile_vitest' ? "(a)'s Vitest workers" : "(c)'s harness"}), self time by package:`)
  for (const entry of profile.by_package.slice(0, 8)) log(`  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`)
  log('  hottest functions:')
  for (const entry of profile.by_function.slice(0, 8)) log(`  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`)
}

results.machine.load_after = load()
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n')
log(`wrote bench/results.json (load after: ${results.machine.load_after.join(' ')})`)
