import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Command } from './command.ts'

const vitestConfig = `import { defineConfig } from 'vitest/config'
import { awrr } from 'awrr/plugin'

// Every *.scenario.yaml under scenarios/ runs under every strategy; each strategy is a project:
//   npx vitest run               all strategies, leaderboard at the end
//   npx vitest run --project B2  one strategy
export default defineConfig({
  plugins: [
    awrr({
      // thresholds: { B2: { wcr: '>= 0.5' }, '*': { uar: '<= 0' } },
    }),
  ],
})
`

const exampleScenario = `# yaml-language-server: $schema=../node_modules/awrr/schema/scenario.schema.json
name: example-checkout
description: A checkout whose payment meets a conflict that clears after a rollback.
world:
  records:
    ORDER1: { status: pending, value: 120, payment_status: unpaid }
  inventory: { widget: 5 }
workflow:
  - tool: get_record
    with: { record_id: ORDER1 }
  - tool: lock_inventory
    with: { item_id: widget, qty: 1 }
  - tool: process_payment
    with: { order_id: ORDER1, amount: 120 }
  - tool: update_record
    with: { record_id: ORDER1, patch: { status: approved } }
faults:
  - step: 2
    type: Conflict
    mode: stateful_conflict
success: { record: ORDER1, status: approved }
expect:
  B0: failed
  B2: completed
`

interface InitResult {
  written: string[]
  skipped: string[]
  /** The user's own Vitest config, kept as it is; what to add to it is in {@link configAdvice}. */
  existingConfig?: { file: string; usesAwrr: boolean }
}

/**
 * What to add to a Vitest config that already exists, instead of overwriting it: the plugin goes
 * beside the user's plugins, and their projects and root-level tests keep running.
 */
export function configAdvice(existing: { file: string; usesAwrr: boolean }): string {
  if (existing.usesAwrr) return `${existing.file} already uses awrr: nothing to add.\n`
  return [
    `${existing.file} exists and was left as it is. Add AWRR to it:`,
    '',
    "  import { awrr } from 'awrr/plugin'",
    '',
    '  export default defineConfig({',
    '    plugins: [awrr()],   // beside your other plugins',
    '    // your test.projects and root-level tests keep running beside the strategy projects',
    '  })',
    '',
    '(or run `npx awrr init --force` to replace it with the default config).',
    '',
  ].join('\n')
}

/** Writes the files a new project needs; never overwrites an existing file unless `force`. */
export function initProject(root: string, force = false): InitResult {
  const result: InitResult = { written: [], skipped: [] }
  const write = (relative: string, content: string) => {
    const file = path.join(root, relative)
    if (existsSync(file) && !force) {
      result.skipped.push(relative)
      return
    }
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, content)
    result.written.push(relative)
  }
  const hasConfig = ['vitest.config.ts', 'vitest.config.mts', 'vitest.config.js', 'vitest.config.mjs', 'vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs'].find((name) =>
    existsSync(path.join(root, name)),
  )
  if (hasConfig && !force) {
    result.skipped.push(hasConfig)
    const text = readFileSync(path.join(root, hasConfig), 'utf8')
    result.existingConfig = { file: hasConfig, usesAwrr: /from\s+['"]awrr(\/plugin)?['"]/.test(text) }
  } else write('vitest.config.ts', vitestConfig)
  write('scenarios/example.scenario.yaml', exampleScenario)

  const gitignore = path.join(root, '.gitignore')
  const current = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : ''
  if (current.split(/\r?\n/).some((line) => line.trim() === '.awrr/' || line.trim() === '.awrr')) {
    result.skipped.push('.gitignore')
  } else {
    writeFileSync(gitignore, `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}.awrr/\n`)
    result.written.push('.gitignore')
  }
  return result
}

export const init: Command = {
  summary: 'write vitest.config.ts, an example scenario and a .gitignore line into this folder',
  async run(args, io) {
    if (args.includes('--help')) {
      io.stdout.write('Usage: awrr init [--force]\n\nWrites vitest.config.ts (using awrr/plugin), scenarios/example.scenario.yaml and adds .awrr/ to .gitignore.\nExisting files are kept unless --force.\n')
      return 0
    }
    const unknown = args.filter((arg) => arg !== '--force')
    if (unknown.length > 0) {
      io.stderr.write(`[awrr] init: unknown option ${unknown[0]}\n`)
      return 2
    }
    const { written, skipped, existingConfig } = initProject(process.cwd(), args.includes('--force'))
    for (const file of written) io.stdout.write(`wrote ${file}\n`)
    for (const file of skipped) io.stdout.write(`kept  ${file} (exists; --force overwrites)\n`)
    if (existingConfig) io.stdout.write(`\n${configAdvice(existingConfig)}`)
    io.stdout.write('\nNext: npm install -D vitest awrr && npx vitest run\n')
    return 0
  },
}
