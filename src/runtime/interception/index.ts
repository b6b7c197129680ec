export { AwrrInterceptionConflict, closeToolServer, ensureToolServer, fetchAroundInterception, runInTask } from './interception.ts'
export {
  allowPassthroughOrigin,
  registerVirtualOrigin,
  routeRequest,
  type RouteDecision,
  type VirtualRequestContext,
  type VirtualResponder,
} from './router.ts'
export { useHandlers } from './user-handlers.ts'
