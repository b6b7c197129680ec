import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'

// The README ships in the package and is the page npm shows: a relative link that works in a
// checkout breaks there unless its target ships too. Every link must be an absolute URL, an
// anchor of one of the README's own headings, or a path inside the package's `files`.

const root = path.resolve(import.meta.dirname, '..')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  files: string[]
  repository?: { url?: string }
  homepage?: string
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-')
}

function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '')
}

const prose = withoutCodeBlocks(readme)
const anchors = new Set(
  [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)),
)
const links = [...prose.replace(/`[^`\n]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!)

describe('README links', () => {
  test('there are links to check', () => {
    expect(links.length).toBeGreaterThan(10)
  })

  test.each(links)('%s points at something a package user can open', (link) => {
    if (/^https?:\/\//.test(link)) return
    if (link.startsWith('#')) {
      expect([...anchors], `no heading gives the anchor ${link}`).toContain(link.slice(1))
      return
    }
    const target = path.normalize(link.split('#')[0]!)
    const shipped = manifest.files.some((entry) => target === entry || target.startsWith(`${entry}/`))
    expect(shipped, `${link} is not in package.json "files" (${manifest.files.join(', ')}); link it by absolute URL`).toBe(true)
    expect(existsSync(path.join(root, target)), `${link} does not exist`).toBe(true)
  })

  test('package.json names the repository and the homepage the absolute links point into', () => {
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/github\.com\/awrr-dev\/awrr\.git$/)
    expect(manifest.homepage).toBe('https://github.com/awrr-dev/awrr#readme')
    const repositoryLinks = links.filter((link) => link.startsWith('https://github.com/awrr-dev/awrr/'))
    expect(repositoryLinks.length).toBeGreaterThan(0)
    for (const link of repositoryLinks) {
      const inRepo = link.replace(/^https:\/\/github\.com\/awrr-dev\/awrr\/(blob|tree)\/main\//, '')
      expect(inRepo, `${link} is not a blob/ or tree/ link on main`).not.toBe(link)
      expect(existsSync(path.join(root, inRepo)), `${link}: ${inRepo} is not in the repository`).toBe(true)
    }
  })
})
