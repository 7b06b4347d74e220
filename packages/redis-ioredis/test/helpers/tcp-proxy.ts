import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'

/**
 * How a cut behaves. `refuse`: open connections are reset and the port stops listening (ECONNREFUSED).
 * `blackhole`: open connections are reset, new ones are accepted and never answered.
 * `freeze`: a network partition; open connections stay open but nothing gets through either way.
 */
export type CutMode = 'refuse' | 'blackhole' | 'freeze'

/** A TCP forwarder between a client and Redis that a test can cut and restore. */
export interface TcpProxy {
  readonly port: number
  readonly url: string
  /** Drops every open connection and then refuses or blackholes new ones until `restore`. */
  cut(mode?: CutMode): Promise<void>
  /** Forwards new connections again. */
  restore(): Promise<void>
  /** Resets every open connection but keeps accepting new ones (a reconnect the client must notice). */
  dropConnections(): void
  /** Connections frozen by the last `freeze` cut that the client has not closed yet. */
  frozenOpen(): number
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1:`port` forwarding to `targetPort` (default the shared Redis, 6379). */
export async function startTcpProxy(port: number, targetPort = 6379): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const pairs = new Set<[Socket, Socket]>()
  let frozen: Socket[] = []
  let mode: 'forward' | CutMode = 'forward'
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server: Server = createServer((client) => {
    track(client)
    if (mode !== 'forward') {
      // Blackhole: read and discard, never reply, like a peer behind a dead link.
      client.on('data', () => {})
      return
    }
    const upstream = tcpConnect(targetPort, '127.0.0.1')
    track(upstream)
    client.pipe(upstream)
    upstream.pipe(client)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.on('close', () => pairs.delete(pair))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve()
      server.close(() => resolve())
    })
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }
  // A port still held by a test process that is just exiting frees up shortly; anything else is a real clash.
  for (const deadline = Date.now() + 3_000; ; ) {
    try {
      await listen()
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async cut(cutMode: CutMode = 'refuse') {
      mode = cutMode
      if (cutMode === 'freeze') {
        frozen = [...pairs].map(([client]) => client)
        for (const [client, upstream] of pairs) {
          client.unpipe(upstream)
          upstream.unpipe(client)
          // Keep reading so the sockets stay open, and drop everything, like a dead link.
          client.on('data', () => {}).resume()
          upstream.on('data', () => {}).resume()
        }
        return
      }
      const closing = cutMode === 'refuse' ? stopListening() : Promise.resolve()
      dropConnections()
      await closing
    },
    async restore() {
      if (mode === 'forward') return
      dropConnections()
      mode = 'forward'
      if (!server.listening) await listen()
    },
    dropConnections,
    frozenOpen: () => frozen.filter((socket) => !socket.destroyed && !socket.readableEnded).length,
    async close() {
      const closing = stopListening()
      dropConnections()
      await closing
    },
  }
}
