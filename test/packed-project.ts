import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import lockfile from 'proper-lockfile'
import { repoRoot } from './run-vitest.ts'

/**
 * Helpers for the tests that install AWRR the way a user does: pack the repository, install the
 * tarball from disk and its dependencies from the npm registry into a fresh project in a temporary
 * folder, and run commands there. Everything, npm's cache included, stays under that folder, but the
 * packed tarball itself, which the test files share (see packRepository).
 */

export interface CommandRun {
  code: number | null
  stdout: string
  stderr: string
  output: string
}

export interface CommandOptions {
  cwd: string
  /** npm's cache folder; every command that may reach the registry gets one inside the temp dir. */
  npmCache: string
  env?: Record<string, string>
}

/**
 * The outer Vitest and `npm test` leave variables behind (VITEST_POOL_ID, npm_config_*, ...) that
 * would make the inner npm and Vitest believe they run inside them.
 */
function cleanEnv(options: CommandOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|AWRR_|SHOP_URL$|QUOTES_URL$|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$)/i.test(key)) continue
    env[key] = value
  }
  return {
    ...env,
    // An empty FORCE_COLOR still counts as set and overrides NO_COLOR.
    NO_COLOR: '1',
    CI: 'true',
    npm_config_cache: options.npmCache,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...options.env,
  }
}

export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: cleanEnv(options), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }))
  })
}

/** Runs a command and throws with its output when it exits non-zero. */
export async function mustRun(command: string, args: readonly string[], options: CommandOptions): Promise<CommandRun> {
  const run = await runCommand(command, args, options)
  if (run.code !== 0) {
    throw new Error(`\`${[command, ...args].join(' ')}\` in ${options.cwd} exited with ${run.code}:\n${run.output.slice(-6000)}`)
  }
  return run
}

export interface PackedTarball {
  file: string
  /** Paths inside the package, as `npm pack` listed them. */
  files: string[]
}

/** What goes into the package: the build's inputs and every entry of package.json's `files`. */
function packageInputs(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { files: string[] }
  const needed = new Set(['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'README.md', 'LICENSE', ...pkg.files])
  needed.delete('dist')
  return [...needed].filter((entry) => existsSync(path.join(repoRoot, entry)))
}

/** A digest of every input file's path and content: the same digest packs the same tarball. */
function inputsDigest(entries: readonly string[]): string {
  const hash = createHash('sha256')
  const visit = (relative: string): void => {
    const absolute = path.join(repoRoot, relative)
    if (statSync(absolute).isDirectory()) {
      for (const child of readdirSync(absolute).sort()) visit(path.join(relative, child))
      return
    }
    hash.update(`${relative}\0`).update(readFileSync(absolute)).update('\0')
  }
  for (const entry of [...entries].sort()) visit(entry)
  return hash.digest('hex').slice(0, 16)
}

async function packInto(destination: string, entries: readonly string[], npmCache: string): Promise<PackedTarball> {
  const copy = path.join(destination, 'awrr-package')
  mkdirSync(copy, { recursive: true })
  for (const entry of entries) cpSync(path.join(repoRoot, entry), path.join(copy, entry), { recursive: true })
  // The build needs the dev dependencies (typescript, @types/node) that the checkout installed.
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'), 'dir')
  const run = await mustRun('npm', ['pack', '--json', '--pack-destination', destination], { cwd: copy, npmCache })
  // prepack's own output comes first on stdout; the JSON array is the last thing npm prints.
  const json = run.stdout.slice(run.stdout.lastIndexOf('\n[') + 1)
  const [packed] = JSON.parse(json) as [{ filename: string; files: { path: string }[] }]
  rmSync(copy, { recursive: true, force: true })
  return { file: path.join(destination, packed.filename), files: packed.files.map((file) => file.path) }
}

/**
 * `npm pack` on a copy of the repository's package files, so that `prepack` (the build) writes its
 * dist/ into the copy: the checkout's own dist/ is left alone. The several test files that install
 * the package share one pack per content of its inputs: the first packs into
 * node_modules/.cache/awrr-pack/<digest>/ under a lock (proper-lockfile), the others wait for it
 * and copy the tarball; a changed source file is a new digest, so a stale tarball is never used.
 */
export async function packRepository(workDir: string, npmCache: string): Promise<PackedTarball> {
  const entries = packageInputs()
  const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'awrr-pack', inputsDigest(entries))
  const manifest = path.join(cacheDir, 'packed.json')
  mkdirSync(cacheDir, { recursive: true })
  const release = await lockfile.lock(cacheDir, { retries: { retries: 600, minTimeout: 250, maxTimeout: 1_000 }, stale: 120_000 })
  let cached: PackedTarball
  try {
    if (existsSync(manifest)) cached = readJson<PackedTarball>(manifest)
    else {
      const staging = mkdtempSync(path.join(cacheDir, 'staging-'))
      const packed = await packInto(staging, entries, npmCache)
      const file = path.join(cacheDir, path.basename(packed.file))
      renameSync(packed.file, file)
      rmSync(staging, { recursive: true, force: true })
      cached = { file, files: packed.files }
      writeFileSync(manifest, JSON.stringify(cached))
    }
  } finally {
    await release()
  }
  const file = path.join(workDir, path.basename(cached.file))
  copyFileSync(cached.file, file)
  return { file, files: cached.files }
}

/** A new, empty ESM project (what `npm init -y` and `"type": "module"` give a newcomer). */
export function createEmptyProject(dir: string): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), private: true, type: 'module' }, null, 2) + '\n')
}

/** Copies an example from examples/ into a project, without what a run of it left behind. */
export function copyExample(name: string, to: string): void {
  const from = path.join(repoRoot, 'examples', name)
  cpSync(from, to, {
    recursive: true,
    filter: (source) => !/(^|[\\/])(node_modules|\.awrr)([\\/]|$)/.test(path.relative(from, source)),
  })
}

/** The shop's own record of what reached it, as the example's globalSetup saved it. */
export interface ShopLogEntry {
  seq: number
  method: string
  path: string
  body: any
  idempotencyKey: string | null
  status: number
  replayed: boolean
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

/** A fresh project with the packed tarball installed, in a temporary folder of its own. */
export interface PackedProject {
  /** The temporary folder: the project, npm's cache, the tarball and any Node installed for it. */
  workDir: string
  npmCache: string
  /** `<workDir>/my-project`, the project's root. */
  project: string
  tarball: PackedTarball
  /** The Node that runs the project: this process's, or the one installed from the registry. */
  node: string
  /** Options for a command in `cwd` under that Node (its folder first on PATH, so `#!/usr/bin/env node` scripts get it too). */
  options(cwd: string, env?: Record<string, string>): CommandOptions
  /** Runs the project's own Vitest (`vitest run ...`) in `cwd` under that Node. */
  vitest(cwd: string, args?: readonly string[], env?: Record<string, string>): Promise<CommandRun>
  remove(): void
}

/** npm's own CLI script, so that it can run on a Node other than the one on PATH. */
const npmCliScript = () => realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim())

/**
 * A user's path: an empty ESM project in a temporary folder, the packed tarball and `packages`
 * (vitest among them) installed into it from the npm registry. With `node: 22`, that Node comes
 * from the registry too (the package that ships its binary) and runs everything: npm's install,
 * and the project's Vitest.
 */
export async function installPackedProject(setup: { name: string; packages: readonly string[]; node?: number }): Promise<PackedProject> {
  const workDir = mkdtempSync(path.join(tmpdir(), `awrr-${setup.name}-`))
  const remove = () => rmSync(workDir, { recursive: true, force: true })
  try {
    const npmCache = path.join(workDir, 'npm-cache')
    let node = process.execPath
    let searchPath: string | undefined
    if (setup.node !== undefined) {
      const nodeDir = path.join(workDir, `node${setup.node}`)
      const binaryPackage = `node-${process.platform}-${process.arch}`
      createEmptyProject(nodeDir)
      await mustRun('npm', ['install', `${binaryPackage}@${setup.node}`], { cwd: nodeDir, npmCache })
      node = path.join(nodeDir, 'node_modules', binaryPackage, 'bin', 'node')
      searchPath = `${path.dirname(node)}${path.delimiter}${process.env['PATH'] ?? ''}`
    }
    const options = (cwd: string, env: Record<string, string> = {}): CommandOptions => ({ cwd, npmCache, env: searchPath === undefined ? env : { PATH: searchPath, ...env } })
    const tarball = await packRepository(workDir, npmCache)
    const project = path.join(workDir, 'my-project')
    createEmptyProject(project)
    // The npm on PATH, as a user runs it; under another Node, npm's own script on that Node.
    const install = ['install', '--save-dev', tarball.file, ...setup.packages]
    await (setup.node === undefined ? mustRun('npm', install, options(project)) : mustRun(node, [npmCliScript(), ...install], options(project)))
    const vitest = (cwd: string, args: readonly string[] = [], env: Record<string, string> = {}) =>
      runCommand(node, [path.join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], options(cwd, env))
    return { workDir, npmCache, project, tarball, node, options, vitest, remove }
  } catch (error) {
    // A failed install leaves nothing behind: the caller never got a project to remove.
    remove()
    throw error
  }
}
