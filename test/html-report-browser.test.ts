import { readFileSync, rmSync, statSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rateKeys } from '../src/reporters/metric-catalog.ts'
import { launchChromium, type LaunchedChromium } from './chromium.ts'
import { fixturePath, runVitest } from './run-vitest.ts'

const outputDir = '.awrr/e2e-browser'
const out = (name: string) => fixturePath('reports', outputDir, name)

describe('report.html in headless Chromium', () => {
  let browser: Browser
  let launched: LaunchedChromium | undefined

  beforeAll(async () => {
    rmSync(fixturePath('reports', outputDir), { recursive: true, force: true })
    // A failing gate too, so that the gates table is on the page.
    const run = await runVitest('reports', [], { AWRR_FIXTURE_OUTPUT: outputDir, AWRR_GATES: 'B0.wcr>=1,*.uar<=0', AWRR_UPDATE_BASELINE: '', GITHUB_STEP_SUMMARY: '' })
    expect(run.code, run.output).toBe(1)
    // The Chromium inside @sparticuz/chromium (no system package), else the system's.
    launched = await launchChromium()
    browser = launched.browser
  }, 300_000)
  afterAll(async () => {
    await launched?.close()
  })

  it('renders every chart without errors or requests, with the strategy names, and saves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    const leftForNetwork: string[] = []
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) leftForNetwork.push(request.url())
    })
    let aborted = 0
    await page.route('**/*', async (route) => {
      if (route.request().url().startsWith('file:')) return route.continue()
      aborted++
      return route.abort()
    })

    await page.goto(pathToFileURL(out('report.html')).href, { waitUntil: 'load' })

    expect(problems).toEqual([])
    expect(leftForNetwork).toEqual([])
    expect(aborted).toBe(0)

    const charts = page.locator('svg.chart')
    const kinds = await charts.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('class')))
    // A chart for every rate the JSON report has a value of, cost, learning curve, and B4's layer
    // and action heat maps.
    const report = JSON.parse(readFileSync(out('report.json'), 'utf8')) as { strategies: Record<string, { metrics: Record<string, number | null> }> }
    const ratesWithValues = rateKeys.filter((key) => Object.values(report.strategies).some((entry) => entry.metrics[key] != null))
    expect(ratesWithValues.length).toBeGreaterThanOrEqual(8)
    expect(kinds.filter((kind) => kind === 'chart chart-rate')).toHaveLength(ratesWithValues.length)
    expect(kinds.filter((kind) => kind === 'chart chart-heatmap')).toHaveLength(2)
    expect(kinds).toContain('chart chart-cost')
    expect(kinds).toContain('chart chart-learning')
    for (let i = 0; i < kinds.length; i++) {
      const box = await charts.nth(i).boundingBox()
      expect(box, `chart ${i} (${kinds[i]})`).not.toBeNull()
      expect(box!.width * box!.height, `chart ${i} (${kinds[i]})`).toBeGreaterThan(1000)
    }

    const names = await page.locator('table.leaderboard tr[data-strategy]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-strategy')))
    expect(names).toEqual(['B0', 'B2', 'B4'])
    const text = await page.locator('body').innerText()
    for (const name of ['B0', 'B2', 'B4', 'checkout-conflict', 'reports-balanced', 'refund-after-outage']) expect(text).toContain(name)
    expect(text).toMatch(/\d+ of \d+ gates missed/)

    // Wide enough for two columns of charts, as most people will first see it.
    await page.screenshot({ path: out('report.png'), fullPage: true })
    expect(statSync(out('report.png')).size).toBeGreaterThan(10_000)
    expect(readFileSync(out('report.png')).subarray(1, 4).toString()).toBe('PNG')
    await page.close()
  }, 120_000)
})
