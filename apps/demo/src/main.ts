import { createDemoApp } from './app'
import { createDemoCache } from './create-demo-cache'
import { serve } from './node-server'

const port = Number(process.env.PORT ?? 3000)
const cache = await createDemoCache(process.env)
const server = await serve(createDemoApp({ cache }), port, process.env.HOST ?? '127.0.0.1')
const address = server.address()
const actualPort = typeof address === 'object' && address ? address.port : port
console.log(
  `demo listening on http://127.0.0.1:${actualPort} (try GET /weather/paris, /stats, /health/cache)`,
)

const shutdown = async () => {
  server.close()
  await cache.close()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
