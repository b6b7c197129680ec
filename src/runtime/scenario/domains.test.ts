import { describe, expect, it } from 'vitest'
import { parseDomainsOption, parseMixOption, resolveDomainMix } from './domains.ts'

describe('resolveDomainMix', () => {
  it('without domains, follows the listed workflows: the default suite is e-commerce only', () => {
    expect(resolveDomainMix({ workflows: ['saga_payment', 'refund_flow'] })).toEqual([
      { domain: 'ecommerce', weight: 0.4, workflows: ['saga_payment', 'refund_flow'] },
    ])
    expect(resolveDomainMix({ workflows: ['article_publish', 'saga_payment'] }).map((share) => [share.domain, share.weight])).toEqual([
      ['ecommerce', 0.4],
      ['content', 0.3],
    ])
  })

  it('orders domains canonically whatever the order they are written in', () => {
    const written = resolveDomainMix({ domains: ['content', 'ecommerce'], workflows: ['saga_payment'] })
    expect(written.map((share) => [share.domain, share.weight])).toEqual([
      ['ecommerce', 0.4],
      ['content', 0.3],
    ])
    expect(written[1]?.workflows).toEqual(['article_publish', 'quick_publish', 'asset_swap'])
  })

  it('weighs domains by mix, which also names them when domains does not', () => {
    expect(resolveDomainMix({ mix: { content: 2, healthcare: 1 }, workflows: ['saga_payment'] }).map((share) => [share.domain, share.weight])).toEqual([
      ['healthcare', 1],
      ['content', 2],
    ])
    const partly = resolveDomainMix({ domains: ['ecommerce', 'healthcare'], mix: { healthcare: 0.6 }, workflows: ['saga_payment'] })
    expect(partly.map((share) => [share.domain, share.weight])).toEqual([
      ['ecommerce', 0.4],
      ['healthcare', 0.6],
    ])
  })
})

describe('parseDomainsOption', () => {
  it('reads a list of domains and a list of weights', () => {
    expect(parseDomainsOption('healthcare, content,healthcare')).toEqual(['healthcare', 'content'])
    expect(parseMixOption('ecommerce=0.5,healthcare=1.5')).toEqual({ ecommerce: 0.5, healthcare: 1.5 })
  })

  it('names what is wrong', () => {
    expect(() => parseDomainsOption('retail')).toThrow('Unknown domain "retail" in --domains')
    expect(() => parseDomainsOption(' , ')).toThrow('--domains needs at least one')
    expect(() => parseMixOption('healthcare=-1')).toThrow('--mix healthcare=-1: write domain=weight with a positive weight')
    expect(() => parseMixOption('healthcare')).toThrow('--mix healthcare: write domain=weight')
    expect(() => parseMixOption('retail=1')).toThrow('Unknown domain "retail" in --mix')
  })
})
