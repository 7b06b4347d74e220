import { type TieredCache, ValidationError } from '@cache/core'
import { fetchWeather } from './weather'

/** Options for {@link createDemoApp}. */
export interface DemoAppOptions {
  cache: TieredCache
  /** Simulated upstream latency. @default 200 ms */
  upstreamLatencyMs?: number
  /** Extra routes (e.g. the AI endpoints); return undefined to fall through. */
  routes?: ((request: Request, url: URL) => Promise<Response | undefined>)[]
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { 'content-type': 'application/json' } })

/** The demo as a web-standard `Request -> Response` handler. */
export function createDemoApp(options: DemoAppOptions): (request: Request) => Promise<Response> {
  const { cache } = options
  const latencyMs = options.upstreamLatencyMs ?? 200

  return async (request) => {
    const url = new URL(request.url)
    const path = url.pathname
    try {
      for (const route of options.routes ?? []) {
        const response = await route(request, url)
        if (response) return response
      }
      if (request.method === 'GET' && path === '/') {
        return json({
          endpoints: [
            'GET /weather/:city',
            'POST /sessions',
            'GET /sessions/:id',
            'GET /health/cache',
            'GET /stats',
          ],
        })
      }
      const weather = /^\/weather\/([^/]+)$/.exec(path)
      if (request.method === 'GET' && weather) {
        const city = decodeURIComponent(weather[1]!)
        const started = performance.now()
        let loaded = false
        const data = await cache.getOrSet(
          `weather:${city.toLowerCase()}`,
          () => {
            loaded = true
            return fetchWeather(city, latencyMs)
          },
          { ttl: '30s', grace: '10m' },
        )
        return json({
          ...data,
          cache: loaded ? 'miss' : 'hit',
          tookMs: Math.round(performance.now() - started),
        })
      }
      if (request.method === 'POST' && path === '/sessions') {
        const body = (await request.json().catch(() => null)) as { user?: unknown } | null
        if (!body || typeof body.user !== 'string' || body.user.length === 0) {
          return json({ error: 'expected a JSON body { "user": "<name>" }' }, 400)
        }
        const id = crypto.randomUUID()
        const session = { id, user: body.user, createdAt: new Date().toISOString() }
        await cache.set(`session:${id}`, session, { ttl: '30m' })
        return json(session, 201)
      }
      const session = /^\/sessions\/([^/]+)$/.exec(path)
      if (request.method === 'GET' && session) {
        const found = await cache.get(`session:${decodeURIComponent(session[1]!)}`)
        return found === undefined ? json({ error: 'session not found' }, 404) : json(found)
      }
      if (request.method === 'GET' && path === '/health/cache') {
        const health = await cache.health()
        return json(health, health.status === 'unhealthy' ? 503 : 200)
      }
      if (request.method === 'GET' && path === '/stats') return json(cache.stats())
      return json({ error: 'not found' }, 404)
    } catch (error) {
      if (error instanceof ValidationError) return json({ error: error.message, code: error.code }, 400)
      return json({ error: 'internal error' }, 500)
    }
  }
}
