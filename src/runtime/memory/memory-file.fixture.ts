// A separate process that writes to a memory file, for memory-file.test.ts. Not part of the API.
//   merge <file> <run> <worker> <count>   count merges, each of one update on a shared entry and one on the worker's own
//   hang <file> <run> <stage>             one merge that stops at <stage> (midWrite | beforeRename), says "ready" and waits to be killed
import { mergeIntoMemoryFile } from './memory-file.ts'
import type { MemoryUpdate } from './memory-bank.ts'

const [mode, file, run, ...rest] = process.argv.slice(2)
if (!mode || !file || !run) throw new Error('usage: merge|hang <file> <run> ...')

const updateFor = (tool: string, success: boolean): MemoryUpdate => ({
  signature: { tool, errorType: 'http_409', stepName: tool, keywords: ['conflict'], worldChanged: false, worldHashPrefix: null },
  action: 'rollback',
  layer: 'cascade',
  success,
})

if (mode === 'merge') {
  const worker = rest[0] ?? '0'
  const count = Number(rest[1] ?? '10')
  for (let index = 0; index < count; index++) {
    await mergeIntoMemoryFile(file, run, [updateFor('shared_tool', index % 2 === 0), updateFor(`tool_of_worker_${worker}`, true)])
  }
} else if (mode === 'hang') {
  const stage = rest[0]
  const stop = () => {
    process.stdout.write('ready\n')
    return new Promise<void>(() => setInterval(() => undefined, 1_000))
  }
  await mergeIntoMemoryFile(file, run, [updateFor('shared_tool', true)], {
    hooks: stage === 'midWrite' ? { midWrite: stop } : { beforeRename: stop },
  })
} else {
  throw new Error(`unknown mode ${mode}`)
}
