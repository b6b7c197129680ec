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

const compile = (env: NodeJS.ProcessEnv, text = source, envAllowed: readonly string[] = ['AWRR_TEST_SHOP_URL', 'AWRR_TEST_*']) =>
  compileScenario({ source: text, absoluteFile: '/p/scenarios/x.scenario.yaml', file: 'scenarios/x.scenario.yaml', suiteModule: '/suite.ts', env, envAllowed })

/** The issues the generated module throws, as data. */
const issuesOf = (code: string): { code: string; path: string; message: string; line: number; column: number }[] => {
  const match = code.match(/issues: (\[.*\]) \}\);/)
  if (!match) throw new Error(`not an error module: ${code.slice(0, 200)}`)
  return JSON.parse(match[1]!)
}

const secret = 'sk-live-5f0c2a9e81d34b77'

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

describe('only the variables the config allows can be read', () => {
  const reads = (reference: string, where: 'url' | 'header' | 'success' | 'target') => {
    const tool = where === 'header' ? `{ method: POST, url: 'http://127.0.0.1:9/c', headers: { authorization: 'Bearer ${reference}' } }` : where === 'url' ? `{ method: POST, url: 'http://127.0.0.1:9/c?key=${reference}' }` : `{ method: POST, url: 'http://127.0.0.1:9/c' }`
    return [
      'name: reads-env',
      'tools:',
      `  charge: { request: ${tool} }`,
      'workflow:',
      '  - tool: charge',
      where === 'target' ? `faults: [{ target: { url: 'http://127.0.0.1:9/${reference}*' }, type: HTTP_500 }]` : 'faults: []',
      where === 'success' ? `success: { http: { url: 'http://127.0.0.1:9/orders/${reference}' } }` : '',
      '',
    ].join('\n')
  }

  it.each(['url', 'header', 'success', 'target'] as const)('a variable the config does not list is a load error in a %s, naming it but not its value', (where) => {
    const { code } = compile({ AWS_SECRET_ACCESS_KEY: secret }, reads('${env.AWS_SECRET_ACCESS_KEY}', where))
    const [issue, ...rest] = issuesOf(code)
    expect(rest).toEqual([])
    expect(issue).toMatchObject({ code: 'env_not_allowed', line: expect.any(Number), column: expect.any(Number) })
    expect(issue!.message).toMatch(/refers to \$\{env\.AWS_SECRET_ACCESS_KEY\}, which the config does not allow \(add 'AWS_SECRET_ACCESS_KEY' to awrr\(\{ env: \[\.\.\.\] \}\)/)
    expect(code).not.toContain(secret)
  })

  it('by default no variable is allowed: ${env.HOME} is refused', () => {
    const { code } = compile({ HOME: '/root' }, reads('${env.HOME}', 'url'), [])
    expect(issuesOf(code).map((issue) => issue.code)).toEqual(['env_not_allowed'])
  })

  it('a prefix rule (`AWRR_TEST_*`) allows every name that starts with it, and only those', () => {
    expect(compile({ AWRR_TEST_TOKEN: secret }, reads('${env.AWRR_TEST_TOKEN}', 'header')).code).toContain('openScenarioSuite(')
    expect(issuesOf(compile({ AWRR_TESTX: secret }, reads('${env.AWRR_TESTX}', 'header')).code).map((issue) => issue.code)).toEqual(['env_not_allowed'])
  })

  it('a value too short to be redacted is refused, naming the variable', () => {
    const [issue] = issuesOf(compile({ AWRR_TEST_PIN: '42' }, reads('${env.AWRR_TEST_PIN}', 'url')).code)
    expect(issue).toMatchObject({ code: 'env_too_short' })
    expect(issue!.message).toContain('${env.AWRR_TEST_PIN}')
  })
})

describe('URLs and headers are checked once the variables are filled in, without printing them', () => {
  const tool = (url: string, headers = '') => `name: bad-url\ntools:\n  charge:\n    request: { method: POST, url: '${url}'${headers} }\nworkflow:\n  - tool: charge\n`

  it.each([
    ['not a URL at all', '${env.AWRR_TEST_TOKEN}', secret, /tools\.charge\.request\.url is not an http\(s\) URL/],
    ['a scheme other than http(s)', 'file:///etc/${env.AWRR_TEST_TOKEN}', secret, /is not an http\(s\) URL/],
    ['credentials in the URL', 'http://${env.AWRR_TEST_TOKEN}@127.0.0.1:9/c', `user:${secret}`, /holds credentials/],
  ])('%s is a load error (invalid_url)', (_what, url, value, message) => {
    const { code } = compile({ AWRR_TEST_TOKEN: value }, tool(url))
    const [issue] = issuesOf(code)
    expect(issue).toMatchObject({ code: 'invalid_url', path: 'tools.charge.request.url', line: 4, column: 30 })
    expect(issue!.message).toMatch(message)
    expect(code).not.toContain(secret)
    expect(code).not.toContain(encodeURIComponent(secret))
  })

  it('a literal that is not a URL is refused too', () => {
    expect(issuesOf(compile({}, tool('not a url')).code).map((issue) => issue.code)).toEqual(['invalid_url'])
  })

  it('a header value with a line break (or another character HTTP refuses) is a load error (invalid_header)', () => {
    const { code } = compile({ AWRR_TEST_TOKEN: `${secret}\r\nx-injected: 1` }, tool('http://127.0.0.1:9/c', ", headers: { authorization: 'Bearer ${env.AWRR_TEST_TOKEN}' }"))
    const [issue] = issuesOf(code)
    expect(issue).toMatchObject({ code: 'invalid_header', path: 'tools.charge.request.headers.authorization' })
    expect(code).not.toContain(secret)
  })

  it('a fault target pattern must be a URL with its wildcards', () => {
    const text = `${tool('http://127.0.0.1:9/c')}faults: [{ target: { url: '\${env.AWRR_TEST_TOKEN}*' }, type: HTTP_500 }]\n`
    const [issue] = issuesOf(compile({ AWRR_TEST_TOKEN: secret }, text).code)
    expect(issue).toMatchObject({ code: 'invalid_url', path: 'faults.0.target.url' })
  })
})

describe("the plugin's repeats count against a file's test limit", () => {
  const suite = 'name: big\ngenerate:\n  tasks: 20000\n  profile: balanced\n'
  const compileWith = (text: string, repeats: number) =>
    compileScenario({ source: text, absoluteFile: '/p/scenarios/x.scenario.yaml', file: 'scenarios/x.scenario.yaml', suiteModule: '/suite.ts', env: {}, repeats })

  it('20,000 tasks x repeats 3 is a load error at generate.tasks, naming the most repeats that fit', () => {
    const issues = issuesOf(compileWith(suite, 3).code)
    expect(issues).toMatchObject([{ code: 'out_of_range', path: 'generate.tasks', line: 3, column: 3 }])
    expect(issues[0]!.message).toContain("at most 50,000 tests, tasks x the plugin's repeats (3); for 20000 tasks, repeats at most 2 (got 60000 tests)")
  })

  it('fits with repeats 2, and a file with its own repeats is left to the schema', () => {
    expect(compileWith(suite, 2).code).not.toContain('AwrrScenarioError')
    expect(compileWith(`repeats: 2\n${suite}`, 3).code).not.toContain('AwrrScenarioError')
  })
})
