import type { Command } from './command.ts'
import { compare } from './compare.ts'
import { generate } from './generate.ts'
import { importTasks } from './import.ts'
import { init } from './init.ts'

/** Every `awrr` subcommand, by name. Each lives in its own file beside this one. */
export const commands: Record<string, Command> = {
  init,
  compare,
  generate,
  import: importTasks,
}
