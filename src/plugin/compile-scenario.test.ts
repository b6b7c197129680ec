import { describe, expect, it } from 'vitest'
import { compileScenario } from './compile-scenario.ts'

const source = `name: needs-env
tools:
  charge:
    request: { method: POST, url: '\${env.AWRR_TEST_SHOP_URL}/charge' }
workflow:
  - tool: charge
    with: { order: A1 }
`

const compile = (env: NodeJS.ProcessEnv) =>
  compileScenario({ source, absoluteFile: '/p/scenarios/x.scenario.yaml', file: 'scenarios/x.scenario.yaml', suiteModule: '/suite.ts', env })

describe('compileScenario and ${env.NAME}', () => {
  it('turns a missing variable into a load error at its line and column, naming the key', () => {
    const { code } = compile({})
    expect(code.startsWith('throw ')).toBe(true)
    expect(code).toContain('scenarios/x.scenario.yaml:4:30')
    expect(code).toContain('tools.charge.request.url refers to ${env.AWRR_TEST_SHOP_URL}, which is not set')
    expect(code).toContain('"code":"missing_env"')
  })

  it('keeps the value itself out of the generated module when the variable is set', () => {
    const { code } = compile({ AWRR_TEST_SHOP_URL: 'http://127.0.0.1:9/secret-path' })
    expect(code).toContain('openScenarioSuite(')
    expect(code).not.toContain('secret-path')
    expect(code).toContain('${env.AWRR_TEST_SHOP_URL}')
  })
})
