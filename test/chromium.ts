import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'

/** Flags that keep the browser headless and off the network. */
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync']

const systemChromium = '/usr/bin/chromium'

export interface LaunchedChromium {
  browser: Browser
  /** Where the binary came from: 'AWRR_CHROMIUM', '@sparticuz/chromium' or the system path. */
  source: string
  close(): Promise<void>
}

/**
 * Unpacks the Chromium that ships inside the `@sparticuz/chromium` npm package into a directory of
 * its own (the package unpacks into os.tmpdir(), which is shared with every other run on the
 * machine, so TMPDIR points at a fresh mkdtemp directory while it does) and writes a fontconfig
 * file that finds the fonts it ships beside the system's.
 */
async function unpackSparticuz(): Promise<{ executablePath: string; env: Record<string, string>; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'awrr-chromium-'))
  const saved = process.env['TMPDIR']
  process.env['TMPDIR'] = dir
  try {
    const { default: Chromium } = await import('@sparticuz/chromium')
    const executablePath = await Chromium.executablePath()
    const fontsConf = path.join(dir, 'fonts.conf')
    writeFileSync(fontsConf, `<?xml version="1.0"?>\n<fontconfig>\n  <dir>${path.join(dir, 'fonts', 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`)
    return { executablePath, dir, env: { FONTCONFIG_FILE: fontsConf } }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  } finally {
    if (saved === undefined) delete process.env['TMPDIR']
    else process.env['TMPDIR'] = saved
  }
}

const environment = (extra: Record<string, string> = {}) => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return { ...env, ...extra }
}

/**
 * A headless Chromium that needs no system package: AWRR_CHROMIUM when set, else the one inside
 * `@sparticuz/chromium`, else the system's /usr/bin/chromium. playwright-core drives it and
 * downloads nothing. Throws, naming every attempt, when none launches.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const explicit = process.env['AWRR_CHROMIUM']
  if (explicit) {
    const browser = await chromium.launch({ executablePath: explicit, args })
    return { browser, source: 'AWRR_CHROMIUM', close: () => browser.close() }
  }
  const failures: string[] = []
  try {
    const unpacked = await unpackSparticuz()
    try {
      const browser = await chromium.launch({ executablePath: unpacked.executablePath, args, env: environment(unpacked.env) })
      return {
        browser,
        source: '@sparticuz/chromium',
        close: async () => {
          await browser.close()
          rmSync(unpacked.dir, { recursive: true, force: true })
        },
      }
    } catch (error) {
      rmSync(unpacked.dir, { recursive: true, force: true })
      throw error
    }
  } catch (error) {
    failures.push(`@sparticuz/chromium: ${(error as Error).message}`)
  }
  if (existsSync(systemChromium)) {
    const browser = await chromium.launch({ executablePath: systemChromium, args })
    return { browser, source: systemChromium, close: () => browser.close() }
  }
  failures.push(`${systemChromium}: not installed`)
  throw new Error(`[awrr] No Chromium could be launched for the browser test (set AWRR_CHROMIUM to a Chromium binary):\n  ${failures.join('\n  ')}`)
}
