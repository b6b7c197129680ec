// Summarises V8 `.cpuprofile` files (from `node --cpu-prof`): self time by package, with Node's
// own internals split by what they do, and the hottest functions. Used by bench/run.mjs; also runs
// on its own: `node bench/profile-summary.mjs <dir-or-files...>`.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

/** What a Node-internal frame is busy with, by the internal module it lives in. */
const nodeGroups = [
  [/^node:internal\/deps\/undici/, 'node: undici (fetch, Request, Response, Headers)'],
  [/^node:internal\/webstreams/, 'node: web streams (request and response bodies)'],
  [/^node:internal\/(modules|bootstrap|vm)|^node:vm/, 'node: module loading and compiling'],
  [/^node:internal\/(abort_controller|event_target|per_context\/domexception)|^node:events/, 'node: AbortSignal, EventTarget, DOMException'],
  [/^node:internal\/worker\/js_transferable/, 'node: transferable objects (streams, signals)'],
  [/^node:internal\/(url|idna)|^node:url/, 'node: URL parsing'],
  [/^node:internal\/(async_hooks|async_local_storage|process\/task_queues)|^node:async_hooks/, 'node: async hooks and context'],
  [/^node:internal\/(fs|streams)|^node:(fs|stream)/, 'node: files and streams'],
]

function groupOf(url, functionName) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg) return pkg
  if (url.includes('/src/') || url.includes('/dist/')) return 'awrr (src/, dist/)'
  if (url.startsWith('node:')) return nodeGroups.find(([pattern]) => pattern.test(url))?.[1] ?? `node: other (${url.replace(/^node:(internal\/)?/, '').split('/')[0]})`
  if (url === '') return `(${functionName.replace(/[()]/g, '')})`
  return 'other'
}

const round = (value, digits) => Number(value.toFixed(digits))

/** Self time by function and by package over `files`, idle time left out. */
export function summariseProfiles(files, top = 15) {
  const byFunction = new Map()
  const byPackage = new Map()
  let total = 0
  for (const file of files) {
    const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'))
    const byId = new Map(nodes.map((node) => [node.id, node]))
    samples.forEach((id, index) => {
      const time = timeDeltas[index] ?? 0
      const { functionName, url, lineNumber } = byId.get(id).callFrame
      if (functionName === '(idle)') return
      total += time
      const where = url.replace(/^file:\/\//, '').replace(root, '').replace(/^.*node_modules\//, '')
      const name = `${functionName || '(anonymous)'} ${where}${where ? `:${lineNumber + 1}` : ''}`.trim()
      byFunction.set(name, (byFunction.get(name) ?? 0) + time)
      const group = groupOf(url, functionName)
      byPackage.set(group, (byPackage.get(group) ?? 0) + time)
    })
  }
  const share = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, time]) => ({ name, share: round(time / total, 3), ms: round(time / 1000, 0) }))
  return { files: files.length, busy_ms: round(total / 1000, 0), by_package: share(byPackage), by_function: share(byFunction) }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const files = process.argv.slice(2).flatMap((entry) =>
    statSync(entry).isDirectory() ? readdirSync(entry).filter((name) => name.endsWith('.cpuprofile')).map((name) => path.join(entry, name)) : [entry],
  )
  const summary = summariseProfiles(files, 25)
  process.stdout.write(`${summary.files} profiles, ${summary.busy_ms} ms busy\n`)
  for (const entry of summary.by_package) process.stdout.write(`${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}\n`)
  process.stdout.write('hottest functions:\n')
  for (const entry of summary.by_function) process.stdout.write(`${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}\n`)
}
