import { isMainThread, Worker } from 'node:worker_threads'
import timers from 'node:timers'
import type { TaskSummary } from '../executor/task-summary.ts'
import type { TraceEvent } from '../executor/trace-events.ts'

/** What the watchdog needs to end a task whose code blocks the thread, and to record how it ended. */
export interface WatchedTask {
  /** Longest time the thread may go without a heartbeat while this task runs. */
  limitMs: number
  /** The task's summary if it hangs: `failed` with `strategy_hung` or `agent_hung`. */
  hungSummary: TaskSummary
  /** Where that summary goes (`<outputDir>/hung/...json`): the reporter reads it. */
  sidecarPath: string
  /** The module's trace file: the hung task's start and final events are appended to it. */
  tracePath: string
  traceEvents: TraceEvent[]
}

export const heartbeatMs = 100

// The watchdog's own thread: it runs while the test's thread is blocked (an endless loop, an endless
// chain of microtasks), so its timer still fires. Plain JS, evaluated as a worker script.
const watchdogSource = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const path = require('node:path')
let current = null
let lastBeat = Date.now()
parentPort.on('message', (message) => {
  lastBeat = Date.now()
  if (message.type === 'start') current = message.task
  else if (message.type === 'end') current = null
})
setInterval(() => {
  if (current === null || Date.now() - lastBeat <= current.limitMs) return
  const task = current
  current = null
  const silence = Date.now() - lastBeat
  try {
    fs.mkdirSync(path.dirname(task.sidecarPath), { recursive: true })
    fs.writeFileSync(task.sidecarPath, JSON.stringify(task.hungSummary) + '\\n')
    fs.mkdirSync(path.dirname(task.tracePath), { recursive: true })
    fs.appendFileSync(task.tracePath, task.traceEvents.map((event) => JSON.stringify(event) + '\\n').join(''))
  } finally {
    const summary = task.hungSummary
    const message = '[awrr] Task "' + summary.scenario + ' > ' + summary.id + '" under ' + summary.strategy + ' blocked its thread for ' +
      silence + ' ms (limit ' + task.limitMs + ' ms): ' + summary.reason + '. The watchdog ended the worker; the task is recorded as failed.\\n'
    fs.writeSync(2, message)
    if (workerData.ownProcess) process.kill(process.pid, 'SIGKILL')
    else fs.writeSync(2, '[awrr] Under a threads pool the watchdog cannot end the blocked thread: run AWRR projects with pool "forks" (the default).\\n')
  }
}, ${heartbeatMs})
`

let watchdog: { worker: Worker; beat: NodeJS.Timeout } | undefined

function ensureWatchdog() {
  if (watchdog) return watchdog
  // In a forks pool the test runs on its process's main thread, and ending the process ends
  // only this worker: Vitest reports its module as failed and goes on with the others.
  const worker = new Worker(watchdogSource, { eval: true, workerData: { ownProcess: isMainThread } })
  worker.unref()
  const beat = timers.setInterval(() => worker.postMessage({ type: 'beat' }), heartbeatMs)
  beat.unref()
  watchdog = { worker, beat }
  return watchdog
}

/**
 * Runs `body` under the watchdog: if the thread stops beating for longer than `task.limitMs`
 * while `body` runs, the watchdog thread records the task as hung and ends the process.
 */
export async function underWatchdog<T>(task: WatchedTask, body: () => Promise<T>): Promise<T> {
  const { worker } = ensureWatchdog()
  worker.postMessage({ type: 'start', task })
  try {
    return await body()
  } finally {
    worker.postMessage({ type: 'end' })
  }
}

/** A hung task's summary: nothing of it is known but that it never gave its thread back. */
export function hungSummary(base: Pick<TaskSummary, 'id' | 'scenario' | 'file' | 'strategy' | 'seed' | 'index' | 'batch' | 'trace'> & { steps: number; repeat?: number }, reason: 'strategy_hung' | 'agent_hung'): TaskSummary {
  return {
    v: 1,
    ...base,
    outcome: 'failed',
    reason,
    toolCalls: 0,
    stepsReached: 0,
    virtualMs: 0,
    errorEvents: 0,
    recoveredEvents: 0,
    recoveryMsTotal: 0,
    unsafeAction: false,
    sideEffectsStarted: false,
    consistent: false,
    inconsistencies: ['the watchdog ended the task: its world was not checked'],
    compensations: [],
    diagnoses: [],
    diagnoserCalls: 0,
    memoryHits: 0,
    tokens: 0,
  }
}
