import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { importPrototypeTasks, type ImportNote } from '../../runtime/scenario/import-prototype.ts'
import { printableLine } from '../../runtime/text/control-characters.ts'
import { writeScenarioYaml } from '../../runtime/scenario/write-scenario.ts'
import type { Command, CommandIo } from './command.ts'

const help = `Usage: awrr import tasks.jsonl [options] > file.scenario.yaml

Converts a task file of the original Python prototype (one JSON task per line) into a scenario
with one task per line. Fields that are not imported are listed on stderr with their line; lines
that cannot become a task are skipped, and the exit code is then 1.

Options:
  --name NAME     scenario name (default: the file name)
  --schema PATH   path of scenario.schema.json relative to the output file, for editor completion
`

const scenarioNameOf = (file: string) =>
  path.basename(file).replace(/\.jsonl?$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'imported'

/** One line per note: the file name, the key path and the message quote the input, escaped onto one line. */
function formatNote(file: string, note: ImportNote): string {
  const where = note.path === '' ? '' : `${printableLine(note.path)}: `
  return `[awrr] ${printableLine(file)}:${note.line}: ${note.severity}: ${where}${printableLine(note.message)}\n`
}

export const importTasks: Command = {
  summary: "Convert the Python prototype's tasks.jsonl into a scenario file",
  async run(args: string[], io: CommandIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { name: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    })
    if (values.help) {
      io.stdout.write(help)
      return 0
    }
    const [file, ...extra] = positionals
    if (file === undefined || extra.length > 0) {
      io.stderr.write(`[awrr] awrr import needs exactly one task file.\n\n${help}`)
      return 2
    }
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      io.stderr.write(`[awrr] Cannot read "${file}": ${error instanceof Error ? error.message : String(error)}\n`)
      return 1
    }
    const imported = importPrototypeTasks(text)
    for (const note of imported.notes) io.stderr.write(formatNote(file, note))
    const skipped = imported.lines - imported.tasks.length
    if (imported.tasks.length === 0) {
      io.stderr.write(`[awrr] No task of "${file}" could be imported (${imported.lines} lines read).\n`)
      return 1
    }
    const base = path.basename(file)
    const data = {
      name: values.name ?? scenarioNameOf(file),
      description: `Imported from the Python prototype's task file ${base} (${imported.tasks.length} tasks).`,
      tags: ['imported', 'prototype'],
      tasks: imported.tasks,
    }
    const written = writeScenarioYaml(data, {
      header: [`Written by \`awrr import ${base}\`: one task per line of the task file.`],
      comments: imported.faultLabels,
      file: `${data.name}.scenario.yaml`,
      ...(values.schema === undefined ? {} : { schemaPath: values.schema }),
    })
    if (!written.ok) {
      for (const issue of written.issues) io.stderr.write(`[awrr] imported scenario, ${issue.path || 'file'}: ${issue.message}\n`)
      return 1
    }
    io.stdout.write(written.text)
    const warnings = imported.notes.filter((note) => note.severity === 'warning').length
    io.stderr.write(
      `[awrr] Imported ${imported.tasks.length} of ${imported.lines} tasks from ${base}` +
        (skipped > 0 ? `; ${skipped} skipped` : '') +
        (warnings > 0 ? `; ${warnings} warning${warnings === 1 ? '' : 's'}` : '') +
        '.\n',
    )
    return skipped > 0 ? 1 : 0
  },
}
