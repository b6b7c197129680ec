import { http, HttpResponse } from 'msw'

/**
 * The project's own MSW handlers, for its own unit tests. `*\/weather` matches any origin's
 * /weather, the agents' tools server too: AWRR must never let it answer the calls it owns.
 */
export const handlers = [
  http.get('*/weather', ({ request }) => {
    const city = new URL(request.url).searchParams.get('city')
    return HttpResponse.json({ city, forecast: 'sunny (mocked)' })
  }),
]
