import type { DomainName } from './domains.ts'
import type { FaultMode, FaultType, ProfileName, TemplateSpec } from './schema.ts'

/**
 * Fault templates for `generate:` suites. A suite draws one template per task by weight and places
 * its fault on a step whose tool the template names (see `generate-tasks.ts`). `balanced` and
 * `separation` carry over the original prototype's numbers unchanged, so leaderboards stay
 * comparable with it; `saga` is ours.
 */

/** A fault on every call of a compensation tool, emitted along with a template's main fault. */
export interface CompensationFault {
  /** The compensation tool it hits, e.g. `refund_payment`. */
  tool: string
  type: FaultType
  mode: FaultMode
  prob: number
  times?: number
}

/**
 * A template as written in a file (`TemplateSpec`), plus knobs only the shipped profiles use.
 * Inline `templates:` in a suite are plain `TemplateSpec`s.
 */
export interface FaultTemplate extends TemplateSpec {
  /** Among the steps the template may hit, these tools win when the workflow has them. */
  prefer?: readonly string[]
  /** Only steps that come after a side-effecting step qualify: the fault finds work to undo. */
  afterSideEffect?: boolean
  /** With type Timeout: the write happened and only the answer was lost. */
  applied?: boolean
  /**
   * Extra faults on the compensation of an earlier step. Emitted only when an earlier step of the
   * workflow has that compensation, and only when the workflow does not also call that tool as a
   * forward step (a `tool:` fault hits every call of the tool, so it would hit the forward step).
   */
  compensationFaults?: readonly CompensationFault[]
}

const transientTypes: FaultType[] = ['Timeout', 'HTTP_500']
const writeTools = ['lock_inventory', 'process_payment', 'update_record']

/** The prototype's default mix: about half transient, the rest persistent, semantic and cascade. */
export const balancedTemplates: readonly FaultTemplate[] = [
  // Transient: a retry will most likely get through.
  { name: 'transient_read', steps: ['get_record'], types: transientTypes, prob: 0.3, weight: 0.15, mode: 'per_attempt' },
  { name: 'transient_write_safe', steps: writeTools, types: transientTypes, prob: 0.22, weight: 0.1, mode: 'per_attempt' },
  // Same wire form as the safe one, hit more often: a retry may succeed or make things worse, and
  // only the strategy's diagnosis can tell them apart.
  { name: 'transient_write_unsafe', steps: writeTools, types: transientTypes, prob: 0.3, weight: 0.2, mode: 'per_attempt' },
  // An incident: the dependency keeps failing for the whole task.
  {
    name: 'sticky_incident',
    steps: ['process_payment', 'update_record', 'commit'],
    types: ['HTTP_500', 'Timeout'],
    prob: 0.45,
    weight: 0.08,
    mode: 'persistent',
  },
  {
    name: 'dep_down',
    steps: ['get_record', 'process_payment', 'update_record', 'commit'],
    types: ['HTTP_500'],
    prob: 0.35,
    weight: 0.06,
    mode: 'persistent',
  },
  // Semantic and auth: retrying never helps.
  {
    name: 'semantic_auth',
    steps: ['auth_check', 'policy_check', 'update_record'],
    types: ['PolicyRejected', 'BadRequest', 'AuthDenied', 'NotFound'],
    prob: 1,
    weight: 0.12,
    mode: 'persistent',
  },
  // Eventual consistency: a NotFound that clears on its own.
  { name: 'eventual_notfound', steps: ['get_record', 'update_record'], types: ['NotFound'], prob: 0.2, weight: 0.05, mode: 'per_attempt' },
  // Cascade: needs a rollback or a compensation before a retry can succeed.
  {
    name: 'conflict_stateful',
    steps: ['process_payment', 'update_record', 'commit'],
    types: ['Conflict'],
    prob: 0.45,
    weight: 0.22,
    mode: 'stateful_conflict',
  },
  { name: 'state_corruption', steps: ['update_record', 'commit'], types: ['StateCorruption'], prob: 0.15, weight: 0.08, mode: 'persistent' },
]

/**
 * Tuned in the prototype to pull the strategies apart (B4/B3 well above B2, B2 well above B1): a
 * conflict that needs a rollback (B1 cannot), an eventual-consistency NotFound that should be
 * retried (B2 escalates it), and a little transient noise to keep MTTR and RCO meaningful.
 */
export const separationTemplates: readonly FaultTemplate[] = [
  {
    name: 'conflict_stateful',
    steps: ['process_payment', 'update_record', 'commit'],
    prefer: ['update_record'],
    types: ['Conflict'],
    prob: 0.5,
    weight: 0.55,
    mode: 'stateful_conflict',
    force_first_attempt: true,
  },
  { name: 'eventual_notfound', steps: ['get_record'], types: ['NotFound'], prob: 1, weight: 0.35, mode: 'once' },
  { name: 'transient_read', steps: ['get_record'], types: transientTypes, prob: 1, weight: 0.1, mode: 'once' },
]

/**
 * Saga compensation: every fault lands where side effects have started or are starting, so the
 * suite measures SRR (what a failed task leaves behind) more than WCR. Made for `saga_payment`,
 * which has both compensable steps; `refund_flow` and `double_write` get the subset that fits.
 *
 * Weights sum to 1. Every template fires (prob 1) so that each task exercises its path. Every
 * template can end consistent under a good saga: retries that reuse the Idempotency-Key,
 * compensation in reverse order, retried compensations, escalation without further writes after
 * an auth failure. A compensation that never recovers is deliberately not in this suite: no
 * strategy can make that world consistent, so it would measure only the template's weight. It is
 * the hand-written `scenarios/broken-unlock.scenario.yaml`, which must end `escalated` with
 * `compensation_failed` and `consistent: false`. (An earlier version kept such a template at weight
 * 0.04; B2's SRR was then 34/36 = 0.944, the two misses being exactly those tasks.)
 */
export const sagaTemplates: readonly FaultTemplate[] = [
  // The charge went through but the answer was lost. Retrying with the same Idempotency-Key
  // returns the first charge; retrying without one charges twice. The most telling saga fault,
  // hence the largest weight.
  { name: 'payment_lost_ack', steps: ['process_payment'], types: ['Timeout'], applied: true, prob: 1, weight: 0.22, mode: 'once' },
  // The same ambiguity on the stock lock (saga_payment only): a blind retry locks twice.
  { name: 'lock_lost_ack', steps: ['lock_inventory'], types: ['Timeout'], applied: true, prob: 1, weight: 0.06, mode: 'once' },
  // Short blips on writes mid-saga: two failed attempts, then it works. Retry completes the task;
  // a strategy that gives up must compensate what it already did.
  {
    name: 'write_blip',
    steps: ['lock_inventory', 'process_payment', 'update_record', 'commit'],
    types: transientTypes,
    prob: 1,
    weight: 0.18,
    mode: 'first_n',
    times: 2,
  },
  // Approval never succeeds after the payment (and lock): the task cannot complete, refund and
  // unlock restore the world.
  { name: 'approve_down', steps: ['update_record'], types: ['HTTP_500'], prob: 1, weight: 0.14, mode: 'persistent', afterSideEffect: true },
  // Same at the very end. In saga_payment the customer was already notified (irreversible), so a
  // good saga also sends a correction. Low weight: whether an approved but uncommitted record
  // counts against consistency is the oracle's call, and this profile should not hinge on it.
  { name: 'commit_down', steps: ['commit'], types: ['HTTP_500'], prob: 1, weight: 0.06, mode: 'persistent', afterSideEffect: true },
  // Permission revoked mid-saga: retrying is futile and writing on is unsafe (UAR). Escalate and
  // compensate.
  { name: 'approve_denied', steps: ['update_record'], types: ['AuthDenied'], prob: 1, weight: 0.12, mode: 'persistent', afterSideEffect: true },
  // Compensation itself hiccups once: the refund must be retried, not dropped.
  {
    name: 'approve_down_refund_blip',
    steps: ['update_record'],
    types: ['HTTP_500'],
    prob: 1,
    weight: 0.1,
    mode: 'persistent',
    afterSideEffect: true,
    compensationFaults: [{ tool: 'refund_payment', type: 'Timeout', mode: 'first_n', prob: 1, times: 1 }],
  },
  // Payment is down after the stock was locked; the unlock fails once and must be retried, or the
  // stock leaks.
  {
    name: 'payment_down_unlock_blip',
    steps: ['process_payment'],
    types: ['HTTP_500'],
    prob: 1,
    weight: 0.08,
    mode: 'persistent',
    afterSideEffect: true,
    compensationFaults: [{ tool: 'unlock_inventory', type: 'HTTP_500', mode: 'first_n', prob: 1, times: 1 }],
  },
  // The approval stays down and the refund fails three times before it goes through: the saga's
  // retries of a compensation (four attempts) have to be spent in full.
  {
    name: 'approve_down_refund_struggles',
    steps: ['update_record'],
    types: ['HTTP_500'],
    prob: 1,
    weight: 0.04,
    mode: 'persistent',
    afterSideEffect: true,
    compensationFaults: [{ tool: 'refund_payment', type: 'HTTP_500', mode: 'first_n', times: 3, prob: 1 }],
  },
]

/**
 * Tools that lie: every task gets one 200 whose content is false, of one of the five lying types,
 * on a read or a write. Made for `read_then_charge`, whose charge acts on its first read and which
 * reads the order again after approving it. Weights were set once, before any run, to give each
 * type a comparable share; every template fires (prob 1).
 */
export const lyingTemplates: readonly FaultTemplate[] = [
  // The read after the approval answers the order as it was before it.
  { name: 'stale_read', steps: ['get_record'], types: ['StaleData'], prob: 1, weight: 0.12, mode: 'once', afterSideEffect: true },
  // The approval answers the record as it was before the write (the write landed).
  { name: 'stale_write_answer', steps: ['update_record'], types: ['StaleData'], prob: 1, weight: 0.08, mode: 'once' },
  // Another order's data under this order's id, on either read.
  { name: 'wrong_entity', steps: ['get_record'], types: ['WrongEntity'], prob: 1, weight: 0.2, mode: 'once' },
  // The payment or the approval is acknowledged and not applied.
  { name: 'silent_noop', steps: ['process_payment', 'update_record'], types: ['SilentNoOp'], prob: 1, weight: 0.2, mode: 'once' },
  // The approval is never applied, however often it is sent.
  { name: 'silent_noop_sticky', steps: ['update_record'], types: ['SilentNoOp'], prob: 1, weight: 0.05, mode: 'persistent' },
  // Amounts and values a little off, on a read or in a write's answer.
  { name: 'plausible_wrong', steps: ['get_record', 'update_record', 'process_payment'], types: ['PlausibleWrong'], prob: 1, weight: 0.2, mode: 'once' },
  // A field renamed or retyped, on a read or in the approval's answer.
  { name: 'schema_drift', steps: ['get_record', 'update_record'], types: ['SchemaDrift'], prob: 1, weight: 0.15, mode: 'once' },
]

export const profileTemplates: Readonly<Record<ProfileName, readonly FaultTemplate[]>> = {
  balanced: balancedTemplates,
  separation: separationTemplates,
  saga: sagaTemplates,
  lying: lyingTemplates,
}

/**
 * What each e-commerce tool a template names stands for in another domain, so one profile serves
 * every domain: a fault meant for the payment hits the copay charge in healthcare and the asset
 * upload in content publishing (the external write with a compensation there; content has no
 * payment). Tools missing from a map (`commit`, `write_audit`, or a domain's own tools written in
 * inline templates) keep their name.
 */
export const toolRoles: Readonly<Record<Exclude<DomainName, 'ecommerce'>, Readonly<Record<string, string>>>> = {
  healthcare: {
    get_record: 'find_patient',
    auth_check: 'check_consent',
    policy_check: 'check_consent',
    lock_inventory: 'reserve_slot',
    unlock_inventory: 'release_slot',
    process_payment: 'charge_copay',
    refund_payment: 'refund_copay',
    update_record: 'confirm_appointment',
    notify_user: 'notify_patient',
  },
  content: {
    get_record: 'fetch_draft',
    auth_check: 'moderation_check',
    policy_check: 'moderation_check',
    lock_inventory: 'upload_asset',
    unlock_inventory: 'delete_asset',
    process_payment: 'upload_asset',
    refund_payment: 'delete_asset',
    update_record: 'publish',
    notify_user: 'notify_subscribers',
  },
}

/** A domain's version of `templates`: the same faults, aimed at the domain's tools. */
export function templatesForDomain(templates: readonly FaultTemplate[], domain: DomainName): readonly FaultTemplate[] {
  if (domain === 'ecommerce') return templates
  const roles = toolRoles[domain]
  const toDomain = (tools: readonly string[]) => [...new Set(tools.map((tool) => roles[tool] ?? tool))]
  return templates.map((template) => {
    const mapped: FaultTemplate = { ...template, steps: toDomain(template.steps) }
    if (template.prefer) mapped.prefer = toDomain(template.prefer)
    if (template.compensationFaults) {
      mapped.compensationFaults = template.compensationFaults.map((fault) => ({ ...fault, tool: roles[fault.tool] ?? fault.tool }))
    }
    return mapped
  })
}
