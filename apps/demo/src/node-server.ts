import { createServer, type IncomingMessage, type Server } from 'node:http'

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v)
  }
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
  })
}

/** Serves a web-standard handler over node:http, streaming response bodies. */
export function serve(
  handler: (request: Request) => Promise<Response>,
  port: number,
  host = '127.0.0.1',
): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const response = await handler(await toRequest(req, `http://${host}:${port}`))
      res.writeHead(response.status, Object.fromEntries(response.headers))
      if (response.body) {
        for await (const chunk of response.body) res.write(chunk)
      }
      res.end()
    } catch {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve(server))
  })
}
