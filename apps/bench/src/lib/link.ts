import net from 'node:net'

/**
 * When bytes sent over a link of `megabitsPerSecond` arrive: one after another at the link's rate (a
 * chunk waits for the ones before it), then `latencyMs` of propagation.
 */
export class LinkPacer {
  #busyUntil = 0
  readonly #msPerByte: number

  constructor(
    megabitsPerSecond: number,
    readonly latencyMs: number,
  ) {
    if (!(megabitsPerSecond > 0) || !(latencyMs >= 0))
      throw new RangeError(
        `a link needs a positive rate and a latency of 0 or more, got ${megabitsPerSecond} Mbit/s, ${latencyMs} ms`,
      )
    this.#msPerByte = 8 / (megabitsPerSecond * 1000)
  }

  /** The time (same clock as `now`) at which `bytes` handed to the link at `now` arrive. */
  arrival(now: number, bytes: number): number {
    this.#busyUntil = Math.max(now, this.#busyUntil) + bytes * this.#msPerByte
    return this.#busyUntil + this.latencyMs
  }
}

/** A TCP proxy that delivers each direction at a link's rate and latency. */
export interface LinkProxy {
  port: number
  close(): Promise<void>
}

/** Forwards `from` to `to` through a pacer: chunks keep their order and arrive when the link says. */
function pace(from: net.Socket, to: net.Socket, pacer: LinkPacer) {
  const queue: { at: number; chunk: Buffer }[] = []
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    timer = undefined
    const now = performance.now()
    while (queue.length > 0 && queue[0]!.at <= now) to.write(queue.shift()!.chunk)
    if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - now)
  }
  from.on('data', (chunk: Buffer) => {
    queue.push({ at: pacer.arrival(performance.now(), chunk.length), chunk })
    timer ??= setTimeout(flush, queue[0]!.at - performance.now())
  })
  from.on('close', () => clearTimeout(timer))
}

/**
 * Starts a proxy to `upstreamPort` on an ephemeral loopback port that models a network link between a
 * client and Redis: `megabitsPerSecond` each way, `latencyMs` one way, per connection.
 */
export async function startLinkProxy(
  upstreamPort: number,
  link: { megabitsPerSecond: number; latencyMs: number },
): Promise<LinkProxy> {
  const sockets = new Set<net.Socket>()
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.setNoDelay(true)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  }
  const server = net.createServer((client) => {
    track(client)
    const upstream = net.connect(upstreamPort, '127.0.0.1')
    track(upstream)
    pace(client, upstream, new LinkPacer(link.megabitsPerSecond, link.latencyMs))
    pace(upstream, client, new LinkPacer(link.megabitsPerSecond, link.latencyMs))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
