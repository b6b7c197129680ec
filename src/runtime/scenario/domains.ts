/**
 * The business domains a `generate:` suite draws its workflows from, and how a suite's `domains`
 * and `workflows` resolve to a weighted mix. E-commerce is the original prototype's; healthcare and
 * content publishing run on the same tool service with their own tools (see
 * `src/runtime/tools/domains/`).
 */

export const domainNames = ['ecommerce', 'healthcare', 'content'] as const
export type DomainName = (typeof domainNames)[number]

const ecommerceWorkflows = ['saga_payment', 'double_write', 'refund_flow'] as const
const healthcareWorkflows = ['appointment_booking', 'referral_intake', 'copay_waiver'] as const
const contentWorkflows = ['article_publish', 'quick_publish', 'asset_swap'] as const
/**
 * E-commerce workflows a suite runs only when it lists them: adding one to a domain's defaults
 * would change every suite that runs the domain's defaults.
 */
const ecommerceOptInWorkflows = ['read_then_charge'] as const

/** Every workflow name, e-commerce first (the prototype's order). */
export const workflowNames = [...ecommerceWorkflows, ...healthcareWorkflows, ...contentWorkflows, ...ecommerceOptInWorkflows] as const
export type WorkflowName = (typeof workflowNames)[number]

export const domainWorkflows: Readonly<Record<DomainName, readonly WorkflowName[]>> = {
  ecommerce: ecommerceWorkflows,
  healthcare: healthcareWorkflows,
  content: contentWorkflows,
}

export function domainOf(workflow: WorkflowName): DomainName {
  if ((ecommerceOptInWorkflows as readonly string[]).includes(workflow)) return 'ecommerce'
  return domainNames.find((domain) => domainWorkflows[domain].includes(workflow))!
}

/** Shares of the domains a suite does not weigh itself (`mix:`). */
export const defaultDomainMix: Readonly<Record<DomainName, number>> = { ecommerce: 0.4, healthcare: 0.3, content: 0.3 }

export type DomainMixSpec = Partial<Record<DomainName, number | undefined>>

/** One domain of a suite: how often its tasks are drawn and which of its workflows they use. */
export interface DomainShare {
  domain: DomainName
  weight: number
  workflows: WorkflowName[]
}

/**
 * Resolves a suite's domain mix, in the fixed order of `domainNames` so the order a file lists
 * domains in never changes the tasks:
 * - the domains are `domains`, else those `mix` weighs, else those of the listed `workflows` (the
 *   default workflows are e-commerce's, so a suite that names none of these is the prototype's);
 * - each weighs what `mix` says, else its share of the default mix (40/30/30);
 * - `workflows` narrows each domain to the workflows it lists; a domain with none listed uses all
 *   of its own, so `domains: [healthcare]` alone runs every healthcare workflow. Listed workflows of
 *   a domain outside the suite are not used.
 */
export function resolveDomainMix(spec: {
  domains?: readonly DomainName[] | undefined
  mix?: DomainMixSpec | undefined
  workflows: readonly WorkflowName[]
}): DomainShare[] {
  const weighted = domainNames.filter((domain) => spec.mix?.[domain] !== undefined)
  const chosen = new Set<DomainName>(spec.domains ?? (weighted.length > 0 ? weighted : spec.workflows.map(domainOf)))
  const shares: DomainShare[] = []
  for (const domain of domainNames) {
    if (!chosen.has(domain)) continue
    const weight = spec.mix?.[domain] ?? defaultDomainMix[domain]
    if (!(weight > 0)) continue
    const listed = spec.workflows.filter((workflow) => domainOf(workflow) === domain)
    shares.push({ domain, weight, workflows: listed.length > 0 ? listed : [...domainWorkflows[domain]] })
  }
  return shares
}

const isDomain = (name: string): name is DomainName => (domainNames as readonly string[]).includes(name)
const parts = (text: string) => text.split(',').map((part) => part.trim()).filter((part) => part.length > 0)

/** Parses `--domains healthcare,content` of the CLI; throws with a message that names the bad part. */
export function parseDomainsOption(text: string): DomainName[] {
  const names = parts(text)
  if (names.length === 0) throw new TypeError(`[awrr] --domains needs at least one of ${domainNames.join(', ')}.`)
  const unknown = names.find((name) => !isDomain(name))
  if (unknown !== undefined) throw new TypeError(`[awrr] Unknown domain "${unknown}" in --domains; known: ${domainNames.join(', ')}.`)
  return [...new Set(names)] as DomainName[]
}

/** Parses `--mix ecommerce=0.5,healthcare=0.5` of the CLI. */
export function parseMixOption(text: string): DomainMixSpec {
  const mix: DomainMixSpec = {}
  for (const part of parts(text)) {
    const [name = '', value = ''] = part.split('=')
    const weight = Number(value)
    if (!isDomain(name)) throw new TypeError(`[awrr] Unknown domain "${name}" in --mix; known: ${domainNames.join(', ')}.`)
    if (value === '' || !(weight > 0) || !Number.isFinite(weight)) {
      throw new TypeError(`[awrr] --mix ${part}: write domain=weight with a positive weight.`)
    }
    mix[name] = weight
  }
  if (Object.keys(mix).length === 0) throw new TypeError(`[awrr] --mix needs at least one domain=weight.`)
  return mix
}
