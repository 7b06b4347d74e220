import net from 'node:net'

/** A TCP proxy in front of Redis that a workload can cut and restore. */
export interface OutageProxy {
  port: number
  /** Drops every connection; new ones are accepted but get no answer (a black hole). */
  cut(): void
  /** Forwards again; connections held during the cut are closed so clients reconnect. */
  restore(): void
  close(): Promise<void>
}

/** Starts a proxy to `upstreamPort` on the first free loopback port in [fromPort, toPort]. */
export async function startProxy(upstreamPort: number, fromPort = 7400, toPort = 7499): Promise<OutageProxy> {
  let up = true
  const live = new Set<net.Socket>()
  const held = new Set<net.Socket>()
  const server = net.createServer((client) => {
    client.on('error', () => {})
    if (!up) {
      held.add(client)
      client.on('close', () => held.delete(client))
      return
    }
    const upstream = net.connect(upstreamPort, '127.0.0.1')
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
    live.add(client)
    live.add(upstream)
    client.on('close', () => live.delete(client))
    upstream.on('close', () => live.delete(upstream))
  })
  const start = fromPort + Math.floor(Math.random() * (toPort - fromPort + 1))
  for (let n = 0; n <= toPort - fromPort; n++) {
    const port = fromPort + ((start - fromPort + n) % (toPort - fromPort + 1))
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (ok) {
      return {
        port,
        cut() {
          up = false
          for (const socket of live) socket.destroy()
        },
        restore() {
          up = true
          for (const socket of held) socket.destroy()
        },
        close: () =>
          new Promise<void>((resolve) => {
            for (const socket of [...live, ...held]) socket.destroy()
            server.close(() => resolve())
          }),
      }
    }
  }
  throw new Error(`no free port in ${fromPort}-${toPort} for the outage proxy`)
}
