/**
 * The fault taxonomy kept from the prototype: fault types, how often they fire, the four layers
 * and the outcomes a task can end with. Plain data with no dependencies, so the worker's hot
 * modules (the fault plan, the executor) need not load the schema library to use it.
 */

export const faultTypes = [
  'Timeout',
  'HTTP_500',
  'Unavailable',
  'RateLimited',
  'NetworkError',
  'AuthDenied',
  'NotFound',
  'BadRequest',
  'PolicyRejected',
  'WrongData',
  'Conflict',
  'StateCorruption',
  // Tools that lie: a 200 whose content is wrong (see src/runtime/faults/lying-faults.ts).
  'StaleData',
  'WrongEntity',
  'SilentNoOp',
  'PlausibleWrong',
  'SchemaDrift',
] as const
export type FaultType = (typeof faultTypes)[number]

export const faultModes = ['once', 'per_attempt', 'persistent', 'stateful_conflict', 'first_n'] as const
export type FaultMode = (typeof faultModes)[number]

export const layers = ['transient', 'persistent', 'semantic', 'cascade'] as const
export type Layer = (typeof layers)[number]

export const outcomes = ['completed', 'escalated', 'failed'] as const
export type Outcome = (typeof outcomes)[number]

export const defaultLayerOf: Readonly<Record<FaultType, Layer>> = {
  Timeout: 'transient',
  HTTP_500: 'transient',
  Unavailable: 'transient',
  RateLimited: 'transient',
  NetworkError: 'transient',
  AuthDenied: 'persistent',
  NotFound: 'persistent',
  BadRequest: 'semantic',
  PolicyRejected: 'semantic',
  WrongData: 'semantic',
  Conflict: 'cascade',
  StateCorruption: 'cascade',
  StaleData: 'semantic',
  WrongEntity: 'semantic',
  SilentNoOp: 'semantic',
  PlausibleWrong: 'semantic',
  SchemaDrift: 'semantic',
}
