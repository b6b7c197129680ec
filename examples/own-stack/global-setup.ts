import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { startOnce } from 'awrr/plugin'
import type { TestProject } from 'vitest/node'
import type { JsonServer } from './services/json-server.ts'
import { startModelServer } from './services/model-server.ts'
import { startToolsServer } from './services/tools-server.ts'

/**
 * Starts the local model server and the tools server once for the whole run, however many projects
 * Vitest runs this for (the root, the user's own tests, one per agent and strategy), on free ports
 * of 127.0.0.1, and sets MODEL_URL and TOOLS_URL for the scenarios (`${env.MODEL_URL}`) and the
 * agents. When Vitest closes, each service's own log of what reached it goes to
 * `.awrr/<name>-log.json`, beside the traces, so the two can be compared.
 */
export default async function setup(project: TestProject): Promise<void> {
  const outputDir = path.join(project.config.root, '.awrr')
  const saveLogAndClose = (name: string) => async (server: JsonServer) => {
    mkdirSync(outputDir, { recursive: true })
    writeFileSync(path.join(outputDir, `${name}-log.json`), JSON.stringify(server.log, null, 2) + '\n')
    await server.close()
  }
  const model = await startOnce('model', startModelServer, saveLogAndClose('model'))
  const tools = await startOnce('tools', startToolsServer, saveLogAndClose('tools'))
  process.env['MODEL_URL'] = model.url
  process.env['TOOLS_URL'] = tools.url
}
