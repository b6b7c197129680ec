// Memory-bank lookup time at 10,000 entries (bench/run.mjs spawns it and reads the JSON it prints).
// Two shapes of bank: entries spread over the buckets a real run fills (tool x error type), and the
// worst case, every entry in the one bucket a lookup has to scan.
import { createMemoryBank, type FaultSignature, type MemoryEntry } from '../src/runtime/memory/memory-bank.ts'
import { builtinToolNames } from '../src/runtime/tools/tool-specs.ts'

const size = Number(process.env['BENCH_MEMORY_ENTRIES'] ?? 10_000)
const lookups = Number(process.env['BENCH_MEMORY_LOOKUPS'] ?? 20_000)
const errorTypes = ['http_500', 'http_503', 'http_429', 'http_401', 'http_403', 'http_404', 'http_409', 'timeout', 'network', 'contract']
const words = ['conflict', 'modified', 'concurrently', 'internal', 'server', 'policy', 'rejected', 'resource', 'found', 'credentials', 'unavailable', 'stock', 'payment', 'record', 'timeout', 'reset']

function entry(index: number, buckets: number): MemoryEntry {
  const bucket = index % buckets
  const tool = builtinToolNames[bucket % builtinToolNames.length]!
  const errorType = errorTypes[Math.floor(bucket / builtinToolNames.length) % errorTypes.length]!
  // Distinct step names and keywords keep every entry its own (no merging into an existing key).
  return {
    tool,
    errorType,
    stepName: `${tool}#${index}`,
    keywords: [words[index % words.length]!, words[(index * 7 + 3) % words.length]!, `k${index}`],
    worldChanged: index % 3 === 0,
    worldHashPrefixes: [(index * 2654435761 >>> 0).toString(16).padStart(8, '0').slice(0, 4)],
    action: index % 2 === 0 ? 'retry' : 'rollback',
    layer: index % 2 === 0 ? 'transient' : 'cascade',
    uses: 1 + (index % 5),
    successes: index % 4,
  }
}

function measure(buckets: number) {
  const bank = createMemoryBank(Array.from({ length: size }, (_, index) => entry(index, buckets)))
  const signatures: FaultSignature[] = Array.from({ length: 1_000 }, (_, index) => {
    const sample = entry(index * 13, buckets)
    return { tool: sample.tool, errorType: sample.errorType, stepName: sample.tool, keywords: sample.keywords.slice(0, 2), worldChanged: false, worldHashPrefix: 'abcd' }
  })
  for (let index = 0; index < 2_000; index++) bank.recall(signatures[index % signatures.length]!)
  const times: number[] = []
  let hits = 0
  for (let index = 0; index < lookups; index++) {
    const started = performance.now()
    if (bank.recall(signatures[index % signatures.length]!)) hits++
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const mean = times.reduce((sum, time) => sum + time, 0) / times.length
  return { entries: bank.size, buckets: Math.min(buckets, size), mean_ms: mean, p50_ms: times[Math.floor(times.length * 0.5)]!, p99_ms: times[Math.floor(times.length * 0.99)]!, hits }
}

const realBuckets = builtinToolNames.length * errorTypes.length
process.stdout.write(JSON.stringify({ lookups, spread: measure(realBuckets), one_bucket: measure(1) }) + '\n')
