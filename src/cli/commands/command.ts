/** Where a command writes: all it needs of a stream. */
export interface TextOutput {
  write(text: string): unknown
}

export interface CommandIo {
  stdout: TextOutput
  /** Messages for a person; `main` escapes the control characters of everything written here. */
  stderr: TextOutput
}

/** One `awrr <name>` subcommand. `run` returns the exit code and writes only through `io`. */
export interface Command {
  summary: string
  run(args: string[], io: CommandIo): Promise<number>
}
