export { closeToolServer, ensureToolServer, runInTask, toolServerRestarts } from './interception.ts'
export {
  allowPassthroughOrigin,
  registerVirtualOrigin,
  routeRequest,
  type RouteDecision,
  type VirtualRequestContext,
  type VirtualResponder,
} from './router.ts'
