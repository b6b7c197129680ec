import { createHash } from 'node:crypto'

/** The longest file name most file systems take (ext4, APFS, NTFS: 255 bytes). */
const maxNameBytes = 255
const extension = '.jsonl'

/**
 * The trace file name of a scenario file (project-relative, forward slashes): one flat name per
 * file, different for different files. `%` is written `%25` and `/` `%2F`, so `zc/a__b` and
 * `zc/a/b` stay apart (they both were `zc__a__b`); `.scenario.yml` ends in `%2Eyml` so it never meets
 * the `.scenario.yaml` of the same stem. A name longer than a file system takes keeps its first
 * bytes and ends in a hash of the whole path, instead of failing to open.
 */
export function traceFileName(file: string): string {
  const stem = file
    .replaceAll('%', '%25')
    .replaceAll('/', '%2F')
    .replace(/\.scenario\.yaml$/, '')
    .replace(/\.scenario\.yml$/, '%2Eyml')
  const name = stem + extension
  if (Buffer.byteLength(name) <= maxNameBytes) return name
  const hash = createHash('sha256').update(file).digest('hex').slice(0, 16)
  let head = stem
  const room = maxNameBytes - Buffer.byteLength(`~${hash}${extension}`)
  while (Buffer.byteLength(head) > room) head = [...head].slice(0, -1).join('')
  return `${head}~${hash}${extension}`
}
