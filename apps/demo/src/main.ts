import { createAiCache } from '@cache/core'
import { createAiRoutes } from './ai-routes'
import { createDemoApp } from './app'
import { createDemoCache, describeDemoMode } from './create-demo-cache'
import { FakeSummarizer } from './fake-summarizer'
import { serve } from './node-server'

const port = Number(process.env.PORT ?? 3000)
const cache = await createDemoCache(process.env)
const model = new FakeSummarizer()
const ai = createAiCache({
  cache,
  prices: { [model.model]: { inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 } },
})
const routes = [createAiRoutes({ ai, model })]
const server = await serve(createDemoApp({ cache, routes }), port, process.env.HOST ?? '127.0.0.1')
const address = server.address()
const actualPort = typeof address === 'object' && address ? address.port : port
console.log(
  `demo listening on http://127.0.0.1:${actualPort}, cache ${describeDemoMode(process.env)} (try GET /weather/paris, /stats, /health/cache, POST /ai/summarize)`,
)

const shutdown = async () => {
  server.close()
  await cache.close()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
