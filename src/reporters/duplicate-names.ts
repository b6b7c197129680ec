import type { TaskSummary } from '../runtime/executor/task-summary.ts'

/** Scenario names that several files use without being parts of one suite. */
export interface DuplicateScenarioName {
  name: string
  files: string[]
}

/**
 * Finds scenario names used by more than one file. The report groups tasks by scenario name, so two
 * files named alike would merge into one scenario ("1 task" where two ran). Files that are parts of
 * one suite (`part: i/n`, the same n, each i once) share their name on purpose. Checked on the
 * summaries in the main process, so a sharded run's merge sees files of every shard.
 */
export function findDuplicateScenarioNames(summaries: readonly TaskSummary[]): DuplicateScenarioName[] {
  const filesByName = new Map<string, Map<string, string | undefined>>()
  for (const summary of summaries) {
    const files = filesByName.get(summary.scenario) ?? new Map<string, string | undefined>()
    files.set(summary.file, summary.part)
    filesByName.set(summary.scenario, files)
  }
  const duplicates: DuplicateScenarioName[] = []
  for (const [name, files] of filesByName) {
    if (files.size < 2) continue
    const parts = [...files.values()]
    const total = parts[0]?.split('/')[1]
    const index = parts.map((part) => part?.split('/')[0])
    const splitSuite = parts.every((part) => part !== undefined && part.split('/')[1] === total) && new Set(index).size === parts.length
    if (!splitSuite) duplicates.push({ name, files: [...files.keys()].sort() })
  }
  return duplicates.sort((a, b) => a.name.localeCompare(b.name))
}

export function describeDuplicate(duplicate: DuplicateScenarioName): string {
  return (
    `[awrr] ${duplicate.files.length} scenario files have the same name "${duplicate.name}": ${duplicate.files.join(', ')}. ` +
    'The report would merge their tasks into one scenario. Give each its own `name:`, or make them `part: i/n` of one generated suite.'
  )
}
