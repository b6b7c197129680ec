export interface CommandIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** One `awrr <name>` subcommand. `run` returns the exit code and writes only through `io`. */
export interface Command {
  summary: string
  run(args: string[], io: CommandIo): Promise<number>
}
