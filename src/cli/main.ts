import { escapeControlCharacters } from '../runtime/text/control-characters.ts'
import type { TextOutput } from './commands/command.ts'
import { commands } from './commands/index.ts'

const usage = `Usage: awrr <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join('\n')}

Run \`awrr <command> --help\` for a command's options.`

/** Runs one command; returns the exit code. Output goes through the given streams (testable). */
export async function main(argv: string[], streams: { stdout: TextOutput; stderr: TextOutput } = process): Promise<number> {
  // Messages quote file names, task ids and values from the input: a raw ESC, OSC 8 link, lone CR
  // or bidi override in them would act on the terminal. stdout is the command's product (YAML,
  // Markdown), which quotes or escapes its own text.
  const io = { stdout: streams.stdout, stderr: { write: (text: string) => streams.stderr.write(escapeControlCharacters(text)) } }
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(usage + '\n')
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (!command) {
    io.stderr.write(`[awrr] Unknown command "${name}".\n\n${usage}\n`)
    return 2
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

const invokedDirectly = process.argv[1] !== undefined && /[\\/](awrr(\.mjs)?|main\.[jt]s)$/.test(process.argv[1])
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2))
