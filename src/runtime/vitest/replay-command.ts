import { quote } from 'shell-quote'

export interface ReplayTarget {
  seed: number
  /** Project-relative path of the scenario file. */
  file: string
  /** The Vitest project: the strategy or agent name. */
  project: string
  /** Names of the enclosing suite (the scenario) and of the test (the task id, with `#n` for a trial). */
  suiteName: string
  testName: string
}

const regexSpecial = /[.*+?^${}()|[\]\\]/g
// Control characters cannot be typed into a pasted command: in the pattern they become `[\s\S]` (any character, line breaks included).
const unprintable = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * `-t` takes a regular expression matched against the test's full name: the suite name and the
 * test name joined by a space under vitest 4 and by ` > ` under vitest 5, so the pattern takes
 * either and one pasted command works on both. The names are escaped, and the end is anchored so
 * `T1` does not also run `T10`.
 */
export function testNamePattern(suiteName: string, testName: string): string {
  const literal = (text: string) => text.replace(regexSpecial, '\\$&').replace(unprintable, '[\\s\\S]')
  return `${literal(suiteName)} (> )?${literal(testName)}$`
}

/**
 * Vitest's file filters match any path that contains them: a name is cut before its first
 * control character, and the part before it still selects the file.
 */
function fileFilter(file: string): string {
  const cut = file.search(unprintable)
  return cut === -1 ? file : file.slice(0, cut)
}

/**
 * The command that reruns one test, safe to paste into a POSIX shell: every argument is quoted by
 * shell-quote, so a task id like `x $(touch F)` or a file name with spaces stays one literal
 * argument. The seed is a number, so the assignment in front needs no quoting.
 */
export function replayCommand(target: ReplayTarget): string {
  if (!Number.isSafeInteger(target.seed)) throw new Error(`[awrr] A replay seed must be an integer (got ${String(target.seed)}).`)
  const args = ['npx', 'vitest', 'run', fileFilter(target.file), '--project', target.project, '-t', testNamePattern(target.suiteName, target.testName)]
  return `AWRR_SEED=${target.seed} ${quote(args)}`
}
