import { registerVirtualOrigin } from '../interception/router.ts'

const served = new Set<string>()

/**
 * Puts a model endpoint's origin on the router's virtual-origin seam, once per worker. The
 * responder finds the endpoint of the task that made the request; a request from outside any
 * task, or from a task whose scenario declares no model there, is refused like any other.
 */
export function serveModelOrigin(baseUrl: string): void {
  const { origin } = new URL(baseUrl)
  if (served.has(origin)) return
  served.add(origin)
  registerVirtualOrigin(origin, (request, { environment }) => environment?.virtualResponderFor(new URL(request.url))?.(request))
}
