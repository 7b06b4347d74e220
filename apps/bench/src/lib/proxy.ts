import net from 'node:net'

/** A TCP proxy in front of Redis that a workload can cut and restore. */
export interface OutageProxy {
  port: number
  /**
   * A network partition: open connections stay open but nothing passes any more (no reset, no reply),
   * and new connections are accepted and black-holed the same way.
   */
  cut(): void
  /** Forwards again; connections that lived through the cut are closed, so clients reconnect. */
  restore(): void
  close(): Promise<void>
}

/** Starts a proxy to `upstreamPort` on the first free loopback port in [fromPort, toPort]. */
export async function startProxy(upstreamPort: number, fromPort = 7400, toPort = 7499): Promise<OutageProxy> {
  let up = true
  const sockets = new Set<net.Socket>()
  const stalled = new Set<net.Socket>()
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => {
      sockets.delete(socket)
      stalled.delete(socket)
    })
  }
  const server = net.createServer((client) => {
    track(client)
    if (!up) {
      stalled.add(client)
      return
    }
    const upstream = net.connect(upstreamPort, '127.0.0.1')
    track(upstream)
    // Data is forwarded only while the link is up; during a cut it is dropped, as on a dead network.
    client.on('data', (chunk) => {
      if (up) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (up) client.write(chunk)
    })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
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
          for (const socket of sockets) stalled.add(socket)
        },
        restore() {
          up = true
          for (const socket of [...stalled]) socket.destroy()
        },
        close: () =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy()
            server.close(() => resolve())
          }),
      }
    }
  }
  throw new Error(`no free port in ${fromPort}-${toPort} for the outage proxy`)
}
