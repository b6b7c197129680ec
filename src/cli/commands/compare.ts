import path from 'node:path'
import { parseArgs } from 'node:util'
import { renderComparisonMarkdown } from '../../reporters/compare-reports.ts'
import { readJsonReport } from '../../reporters/json-report.ts'
import type { Command } from './command.ts'

const help = `Usage: awrr compare base.json head.json [--all]

Prints, as Markdown for a pull-request comment, what changed per strategy and metric between two
AWRR report.json files (for example the main branch's and this branch's .awrr/report.json, or a
baseline written with AWRR_UPDATE_BASELINE=1). A metric counts as changed when it reads
differently at the digits the reports show.

Options:
  --all    list unchanged metrics too
`

export const compare: Command = {
  summary: 'Markdown difference between two report.json files, per strategy and metric',
  async run(args, io) {
    let parsed: ReturnType<typeof parseArgs<{ options: { all: { type: 'boolean' }; help: { type: 'boolean' } }; allowPositionals: true }>>
    try {
      parsed = parseArgs({ args, options: { all: { type: 'boolean' }, help: { type: 'boolean' } }, allowPositionals: true })
    } catch (error) {
      io.stderr.write(`[awrr] compare: ${error instanceof Error ? error.message : String(error)}\n\n${help}`)
      return 2
    }
    if (parsed.values.help) {
      io.stdout.write(help)
      return 0
    }
    if (parsed.positionals.length !== 2) {
      io.stderr.write(`[awrr] compare needs two report files (got ${parsed.positionals.length}).\n\n${help}`)
      return 2
    }
    const [baseFile, headFile] = parsed.positionals as [string, string]
    const [base, head] = await Promise.all([readJsonReport(path.resolve(baseFile)), readJsonReport(path.resolve(headFile))])
    io.stdout.write(renderComparisonMarkdown(base, head, { base: baseFile, head: headFile }, { all: parsed.values.all === true }))
    return 0
  },
}
