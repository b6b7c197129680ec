#!/usr/bin/env node
// `npm run bench`: how fast AWRR is, measured, never asserted. Writes bench/results.json and prints,
// on the machine's Node and on Node 24 (from the npm registry, kept in bench/.out/node24):
//   (a) the 100-task balanced suite under every default strategy: wall time of `vitest run`, beside
//       its floor (bench/floor/: bare Vitest with the same projects, one test per task, each making
//       as many MSW-intercepted fetches of the same body sizes as AWRR's tasks made on average, no
//       AWRR code), run alternately with it, and the ratio of the two;
//   (b) 1,000 and 10,000 tasks x every default strategy: wall time, task runs per second, peak RSS
//       of the Vitest processes, and the same for the floor; the heap Vitest's main process keeps per
//       task run is the slope of its heap after GC between the two sizes (AWRR's and the floor's);
//   (c) harness cost per tool call against a bare MSW-intercepted fetch in the same process, and
//       the heap a worker keeps per task;
//   (d) memory-bank lookup time at 10,000 entries (machine's Node only).
// Options: --tasks N (b's large suite, default 10000), --small-tasks N (b's small one, default 1000,
// 0 to skip), --repeat N (runs of a, default 3), --only a,b,c,d, --nodes machine,24 (default both),
// --no-floor, --no-build (dist/ is built already), --results FILE (default bench/results.json), --profile (CPU profiles of (a)'s Vitest processes and of (c), machine's Node only,
// summarised into results.json), --merge (keep the parts of the previous results.json that this
// run does not measure; each part records the load it ran under).
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
const floorConfig = 'bench/floor/vitest.floor.config.ts'

const { values: options } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    'small-tasks': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', default: 'a,b,c,d' },
    profile: { type: 'boolean', default: false },
    merge: { type: 'boolean', default: false },
    nodes: { type: 'string', default: 'machine,24' },
    floor: { type: 'boolean', default: true },
    build: { type: 'boolean', default: true },
    results: { type: 'string', default: 'bench/results.json' },
  },
  allowNegative: true,
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

/**
 * Runs `vitest run` on `node` with the bench config on `include` (or the floor's config, `floor`
 * being its shape); wall time, exit code, peak memory, report, and the main process's heap after
 * GC once every test has reported.
 */
function runVitest({ node, include, outputDir, floor, env = {}, nodeArgs = [] }) {
  rmSync(path.join(root, outputDir), { recursive: true, force: true })
  mkdirSync(path.join(root, outputDir), { recursive: true })
  const heapFile = path.join(root, outputDir, 'main-heap.json')
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(node, ['--expose-gc', ...nodeArgs, vitestBin, 'run', '--config', floor ? floorConfig : benchConfig], {
      cwd: root,
      env: {
        ...process.env,
        NO_COLOR: '1',
        FORCE_COLOR: '',
        AWRR_SEED: '',
        AWRR_BENCH_INCLUDE: include ?? '',
        AWRR_BENCH_OUT: outputDir,
        AWRR_BENCH_HEAP_FILE: heapFile,
        ...(floor ? { AWRR_FLOOR: JSON.stringify(floor) } : {}),
        ...env,
      },
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
      const mainHeap = existsSync(heapFile) ? JSON.parse(readFileSync(heapFile, 'utf8')).heapUsed : null
      resolve({ code, wallMs, memory, report, mainHeap, output, pid: child.pid })
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

function runTsx(script, env = {}, nodeArgs = [], node = process.execPath) {
  const output = execFileSync(node, [...nodeArgs, '--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  return JSON.parse(output.trim().split('\n').at(-1))
}

// --- The benchmark -------------------------------------------------------------------------------

const strategies = defaultStrategies()
const resultsFile = path.resolve(root, options.results)
const previous = options.merge && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {}
const load = () => os.loadavg().map((value) => round(value))
const results = {
  ...previous,
  version: 2,
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
  nodes: previous.nodes ?? {},
}
// Parts of the previous layout (version 1), which kept one Node's figures at the top level.
for (const key of ['balanced_100', 'scale', 'harness_cost']) delete results[key]
/** Written after every part, so that a run stopped half-way keeps what it measured. */
const save = () => {
  results.machine.load_after = load()
  writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n')
}
log(`AWRR benchmark on ${results.machine.cores} x ${results.machine.cpu}, Node ${process.version}, load ${results.machine.load_before.join(' ')}`)
log(`strategies: ${strategies.join(', ')}; speed index ${results.machine.speed_index_ms} ms (lower is faster)`)

if (options.build && (parts.has('a') || parts.has('b'))) {
  // The Vitest runs load the compiled plugin (bench/vitest.bench.config.ts): build it from src first.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' })
}

/** Node 24's binary from the npm registry (the package that ships the official build), installed once. */
function node24() {
  const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`
  const dir = path.join(out, 'node24')
  const bin = path.join(dir, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (!existsSync(bin)) {
    log(`installing ${pkg}@24 from the npm registry into bench/.out/node24`)
    execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', `${pkg}@24`], { cwd: root, stdio: 'inherit' })
  }
  return bin
}

const nodeBinaries = []
for (const name of options.nodes.split(',')) {
  const binary = name === 'machine' ? process.execPath : name === '24' ? node24() : name
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
  if (!nodeBinaries.some((entry) => entry.version === version)) nodeBinaries.push({ binary, version })
}

// The floor sends bodies of AWRR's mean sizes; the call counts come from each measured run's report.
const bodies = options.floor && (parts.has('a') || parts.has('b')) ? runTsx('bench/floor-shape.ts') : undefined
if (bodies) {
  results.floor_bodies = { sample_tasks: bodies.tasks, request_bytes: round(bodies.request_bytes, 1), response_bytes: round(bodies.response_bytes, 1) }
  log(`floor: request bodies ${round(bodies.request_bytes, 0)} B, response bodies ${round(bodies.response_bytes, 0)} B on average (B2, ${bodies.tasks} tasks)`)
}

/** The floor of a measured run: the same projects and tasks, each project's mean calls per task. */
function floorShapeOf(report) {
  const projects = Object.entries(report?.strategies ?? {}).map(([name, strategy]) => ({
    name,
    calls: strategy.tasks.reduce((sum, task) => sum + task.tool_calls, 0),
  }))
  const tasks = Object.values(report?.strategies ?? {})[0]?.tasks.length ?? 0
  return { tasks, requestBytes: Math.round(bodies.request_bytes), responseBytes: Math.round(bodies.response_bytes), projects }
}

const callsPerTask = (shape) => round(shape.projects.reduce((sum, project) => sum + project.calls, 0) / (shape.tasks * shape.projects.length), 2)
const failed = (label, run) => {
  if (run && run.code !== 0) log(`  ${label}: vitest exited ${run.code}\n${run.output.slice(-3000)}`)
}

for (const [nodeIndex, { binary: node, version }] of nodeBinaries.entries()) {
  const tag = `node-${version.split('.')[0].replace('v', '')}`
  const entry = (results.nodes[version] = { ...(options.merge ? results.nodes[version] : {}), node: version })
  log(`--- Node ${version}`)

  if (parts.has('a')) {
    const runs = []
    const floors = []
    const pairs = []
    // AWRR and its floor alternate, so that load from elsewhere drifts over both alike.
    for (let index = 0; index < repeat; index++) {
      const run = await runVitest({ node, include: 'scenarios/bench/ws-bench-balanced.scenario.yaml', outputDir: `bench/.out/${tag}/balanced` })
      runs.push(run)
      failed(`(a) run ${index + 1}`, run)
      if (options.floor && run.report) {
        const floor = await runVitest({ node, floor: floorShapeOf(run.report), outputDir: `bench/.out/${tag}/balanced-floor` })
        floors.push(floor)
        pairs.push([run, floor])
        failed(`(a) floor ${index + 1}`, floor)
      }
    }
    const shape = options.floor && runs[0].report ? floorShapeOf(runs[0].report) : undefined
    entry.balanced_100 = {
      tasks: 100,
      task_runs: taskRunsOf(runs[0].report),
      calls_per_task: shape ? callsPerTask(shape) : null,
      wall_s: runs.map((run) => round(run.wallMs / 1000)),
      wall_s_median: round(median(runs.map((run) => run.wallMs)) / 1000),
      peak_rss_mb: round(Math.max(...runs.map((run) => run.memory.totalKb)) / 1024, 0),
      exit_codes: runs.map((run) => run.code),
      floor_wall_s: floors.map((run) => round(run.wallMs / 1000)),
      floor_wall_s_median: floors.length > 0 ? round(median(floors.map((run) => run.wallMs)) / 1000) : null,
      floor_exit_codes: floors.map((run) => run.code),
      // The median of each back-to-back pair's ratio.
      ratio_to_floor: pairs.length > 0 ? round(median(pairs.map(([run, floor]) => run.wallMs / floor.wallMs))) : null,
      target_ratio: 1.3,
      load_after: load(),
    }
    const a = entry.balanced_100
    log(
      `(a) 100 tasks x ${strategies.length} strategies: ${a.wall_s_median} s wall (runs ${a.wall_s.join(', ')} s)` +
        (a.ratio_to_floor === null ? '' : `; floor ${a.floor_wall_s_median} s (runs ${a.floor_wall_s.join(', ')} s): ${a.ratio_to_floor} x the floor (target <= 1.3 x)`),
    )
    save()
    if (options.profile && nodeIndex === 0) {
      const profiles = {}
      for (const [label, run] of [
        ['awrr', { include: 'scenarios/bench/ws-bench-balanced.scenario.yaml' }],
        ['floor', { floor: options.floor ? floorShapeOf(runs[0].report) : undefined }],
      ]) {
        if (label === 'floor' && !run.floor) continue
        const dir = path.join(out, `profile-vitest-${label}`)
        rmSync(dir, { recursive: true, force: true })
        const profiled = await runVitest({
          node,
          ...run,
          outputDir: `bench/.out/${tag}/balanced-profiled-${label}`,
          env: { AWRR_BENCH_EXEC_ARGV: `--cpu-prof --cpu-prof-dir=${dir}` },
          nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
        })
        const files = readdirSync(dir).map((name) => path.join(dir, name))
        const main = files.filter((file) => file.includes(`.${profiled.pid}.`))
        profiles[label] = { main_process: summariseProfiles(main), workers: summariseProfiles(files.filter((file) => !main.includes(file))) }
      }
      results.profile_vitest = profiles.awrr
      if (profiles.floor) results.profile_floor = profiles.floor
    }
  }

  if (parts.has('b')) {
    entry.scale = []
    const heaps = []
    for (const tasks of [smallTasks, largeTasks].filter((count) => count > 0)) {
      const run = await runVitest({ node, include: suiteFile(tasks), outputDir: `bench/.out/${tag}/scale-${tasks}` })
      failed(`(b) ${tasks} tasks`, run)
      const taskRuns = taskRunsOf(run.report)
      // No report (the run failed to start): nothing to build a floor from.
      const floorShape = options.floor && run.report ? floorShapeOf(run.report) : undefined
      const floor = floorShape ? await runVitest({ node, floor: floorShape, outputDir: `bench/.out/${tag}/scale-${tasks}-floor` }) : undefined
      failed(`(b) ${tasks} tasks, floor`, floor)
      heaps.push({ taskRuns, awrr: run.mainHeap, floor: floor?.mainHeap ?? null })
      const scaleEntry = {
        tasks,
        task_runs: taskRuns,
        calls_per_task: floorShape ? callsPerTask(floorShape) : null,
        wall_s: round(run.wallMs / 1000),
        task_runs_per_s: round(taskRuns / (run.wallMs / 1000), 0),
        peak_rss_mb_total: round(run.memory.totalKb / 1024, 0),
        peak_rss_mb_largest_process: round(run.memory.processKb / 1024, 0),
        peak_rss_mb_main_process: round(run.memory.mainKb / 1024, 0),
        main_heap_mb_after_gc: run.mainHeap === null ? null : round(run.mainHeap / 2 ** 20, 1),
        processes: run.memory.processes,
        exit_code: run.code,
        floor: floor
          ? {
              wall_s: round(floor.wallMs / 1000),
              task_runs_per_s: round(taskRuns / (floor.wallMs / 1000), 0),
              peak_rss_mb_total: round(floor.memory.totalKb / 1024, 0),
              peak_rss_mb_main_process: round(floor.memory.mainKb / 1024, 0),
              main_heap_mb_after_gc: floor.mainHeap === null ? null : round(floor.mainHeap / 2 ** 20, 1),
              exit_code: floor.code,
            }
          : null,
        ratio_to_floor: floor ? round(run.wallMs / floor.wallMs) : null,
        target_ratio: 1.3,
        load_after: load(),
      }
      entry.scale.push(scaleEntry)
      save()
      log(
        `(b) ${tasks} tasks x ${strategies.length} strategies: ${scaleEntry.wall_s} s wall, ${scaleEntry.task_runs_per_s} task runs/s, ` +
          `peak RSS ${scaleEntry.peak_rss_mb_total} MB over ${scaleEntry.processes} processes (Vitest's main process ${scaleEntry.peak_rss_mb_main_process} MB)` +
          (floor ? `; floor ${scaleEntry.floor.wall_s} s: ${scaleEntry.ratio_to_floor} x the floor (target <= 1.3 x)` : ''),
      )
    }
    // What one more task run costs Vitest's main process: the slope of its heap after GC.
    if (heaps.length === 2 && heaps.every((heap) => heap.awrr !== null)) {
      const [small, large] = heaps
      const slope = (key) => (small[key] === null || large[key] === null ? null : round((large[key] - small[key]) / 1024 / (large.taskRuns - small.taskRuns)))
      entry.main_process_heap = {
        kb_per_task_run: slope('awrr'),
        floor_kb_per_task_run: slope('floor'),
        between_task_runs: [small.taskRuns, large.taskRuns],
        target_kb: 2,
      }
      const m = entry.main_process_heap
      log(`(b) Vitest's main process keeps ${m.kb_per_task_run} KB per task run after GC (the floor: ${m.floor_kb_per_task_run} KB; target <= 2 KB)`)
    }
  }

  if (parts.has('c')) {
    entry.harness_cost = { ...runTsx('bench/harness-cost.ts', {}, ['--expose-gc'], node), load_after: load() }
    save()
    const c = entry.harness_cost
    log(
      `(c) per tool call: bare MSW fetch ${round(c.bare_msw_fetch_us, 0)} us, AWRR harness ${round(c.harness_no_faults_us, 0)} us without faults ` +
        `(${round(c.ratio_no_faults)} x; target <= 1.3 x), ${round(c.harness_balanced_us, 0)} us on the balanced suite (${round(c.ratio_balanced)} x)`,
    )
    if (c.retained_kb_per_bare_call !== null) {
      log(`    worker heap kept after GC: ${round(c.retained_kb_per_bare_call, 1)} KB per bare MSW fetch, ${round(c.retained_kb_per_task, 1)} KB per AWRR task`)
    }
    if (options.profile && nodeIndex === 0) {
      const dir = path.join(out, 'profile-harness')
      rmSync(dir, { recursive: true, force: true })
      runTsx('bench/harness-cost.ts', { BENCH_ROUNDS: '3' }, ['--cpu-prof', `--cpu-prof-dir=${dir}`], node)
      results.profile_harness = summariseProfiles(readdirSync(dir).map((name) => path.join(dir, name)))
    }
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

for (const [key, label] of [
  ['profile_vitest', "(a)'s Vitest workers"],
  ['profile_floor', "the floor of (a)'s Vitest workers"],
  ['profile_harness', "(c)'s harness"],
]) {
  const profile = key === 'profile_harness' ? results[key] : results[key]?.workers
  if (!profile || !options.profile) continue
  log(`profile (${label}), self time by package:`)
  for (const item of profile.by_package.slice(0, 8)) log(`  ${(item.share * 100).toFixed(1).padStart(5)}%  ${item.name}`)
  log('  hottest functions:')
  for (const item of profile.by_function.slice(0, 8)) log(`  ${(item.share * 100).toFixed(1).padStart(5)}%  ${item.name}`)
}

results.machine.load_after = load()
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n')
log(`wrote ${path.relative(root, resultsFile)} (load after: ${results.machine.load_after.join(' ')})`)
