import { describe, expect, test } from 'vitest'
import { redactDeep, redactedText, redactError, redactSecrets, registerSecret } from './redact-secrets.ts'

const secret = 'tok-8f3a/1c9e+awrr secret"'

describe('redactSecrets', () => {
  test.each([
    ['as written', (value: string) => `Bearer ${value}`],
    ['URL-encoded', (value: string) => `http://shop/orders?key=${encodeURIComponent(value)}`],
    ['URL-encoded with + for spaces', (value: string) => `q=${encodeURIComponent(value).replaceAll('%20', '+')}`],
    ['encodeURI', (value: string) => encodeURI(`http://shop/${value}`)],
    ['JSON-escaped', (value: string) => JSON.stringify({ header: value })],
    ['base64 at offset 0', (value: string) => Buffer.from(value).toString('base64')],
    ['base64 at offset 1 (Basic auth)', (value: string) => `Basic ${Buffer.from(`u:${value}`).toString('base64')}`],
    ['base64 at offset 2', (value: string) => Buffer.from(`ab${value}`).toString('base64')],
    ['base64 of Bearer <value>', (value: string) => Buffer.from(`Bearer ${value}`).toString('base64')],
    ['base64url', (value: string) => Buffer.from(`xy${value}?`).toString('base64url')],
  ])('replaces the value %s', (_form, write) => {
    const text = write(secret)
    const redacted = redactSecrets(text, [secret])
    expect(redacted).not.toBe(text)
    expect(redacted).toContain(redactedText)
    // Nothing of the value's own encoding is left that is as long as a quarter of it.
    for (const leftover of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64').slice(4, 16)]) expect(redacted).not.toContain(leftover)
  })

  test('leaves text without the value alone, and values shorter than 4 characters are never matched', () => {
    expect(redactSecrets('nothing to see', [secret])).toBe('nothing to see')
    expect(redactSecrets('42 tasks', ['42'])).toBe('42 tasks')
  })

  test('a registered secret is redacted without naming it again', () => {
    registerSecret('registered-value-123')
    expect(redactSecrets('x registered-value-123 y')).toBe(`x ${redactedText} y`)
  })
})

describe('redactDeep', () => {
  test('redacts strings at any depth and in keys, copies, and leaves numbers alone', () => {
    const data = { url: `http://shop/${secret}`, nested: [{ [secret]: 1, n: 4242 }], ok: true }
    const redacted = redactDeep(data, [secret])
    expect(JSON.stringify(redacted)).not.toContain('8f3a')
    expect(redacted).toEqual({ url: `http://shop/${redactedText}`, nested: [{ [redactedText]: 1, n: 4242 }], ok: true })
    expect(data.url).toContain(secret)
  })
})

describe('redactError', () => {
  test("keeps name, code and redacted message and stack; drops other properties (Vitest prints them: a URL error's `input`)", () => {
    registerSecret('http://user:pw-9d8c7b6a@shop')
    const original = Object.assign(new TypeError('Failed to parse URL from http://user:pw-9d8c7b6a@shop'), { input: 'http://user:pw-9d8c7b6a@shop', code: 'ERR_INVALID_URL' })
    const safe = redactError(original) as Error & Record<string, unknown>
    expect(safe.name).toBe('TypeError')
    expect(safe['code']).toBe('ERR_INVALID_URL')
    expect(safe.message).toBe(`Failed to parse URL from ${redactedText}`)
    expect(safe['input']).toBeUndefined()
    expect(JSON.stringify({ ...safe, stack: safe.stack })).not.toContain('pw-9d8c7b6a')
  })
})
