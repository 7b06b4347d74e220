import { InfrastructureError, type InvalidationMessage, ValidationError } from '@cache/core'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, test } from 'vitest'
import { redisBus } from '../src/index'
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy'
import { uniquePrefix, waitFor } from './helpers/wait-for'

const URL = 'redis://127.0.0.1:6379'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function bus(source: Parameters<typeof redisBus>[0], channel: string) {
  const created = redisBus(source, { channel, connectionName: 'rr-test-bus' })
  cleanups.push(() => created.close())
  return created
}

async function proxy(port: number): Promise<TcpProxy> {
  const created = await startTcpProxy(port)
  cleanups.push(() => created.close())
  return created
}

const keysMessage = (origin: string, keys: string[]): InvalidationMessage => ({ kind: 'keys', origin, keys })

describe('redisBus', () => {
  test('delivers JSON messages between two buses on the same channel', async () => {
    const channel = uniquePrefix('bus-deliver')
    const a = bus({ url: URL }, channel)
    const b = bus({ url: URL }, channel)
    const received: InvalidationMessage[] = []
    await b.subscribe((message) => received.push(message))
    await a.subscribe(() => {})
    const sent: InvalidationMessage[] = [
      keysMessage('a', ['ns:1', 'ns:2']),
      { kind: 'clear', origin: 'a', prefix: 'ns:' },
      { kind: 'tags', origin: 'a', namespace: 'ns', tags: ['t'] },
    ]
    for (const message of sent) await a.publish(message)
    await waitFor(() => received.length === 3, 'three messages')
    expect(received).toEqual(sent)
  })

  test('ignores malformed messages from other publishers on the channel', async () => {
    const channel = uniquePrefix('bus-malformed')
    const b = bus({ url: URL }, channel)
    const received: InvalidationMessage[] = []
    await b.subscribe((message) => received.push(message))
    const raw = new Redis(URL)
    cleanups.push(() => raw.disconnect())
    for (const text of [
      'not json',
      '42',
      '{"kind":"keys","origin":"x","keys":[1]}',
      '{"kind":"nope","origin":"x"}',
    ])
      await raw.publish(channel, text)
    await raw.publish(channel, JSON.stringify(keysMessage('x', ['k'])))
    await waitFor(() => received.length === 1, 'the valid message')
    expect(received).toEqual([keysMessage('x', ['k'])])
  })

  test('an unsubscribed handler receives nothing more', async () => {
    const channel = uniquePrefix('bus-unsub')
    const a = bus({ url: URL }, channel)
    const first: InvalidationMessage[] = []
    const second: InvalidationMessage[] = []
    const stop = await a.subscribe((m) => first.push(m))
    await a.subscribe((m) => second.push(m))
    await stop()
    await a.publish(keysMessage('x', ['k']))
    await waitFor(() => second.length === 1, 'the second handler')
    expect(first).toEqual([])
  })

  test('with a caller-owned client it publishes on it and never closes it', async () => {
    const channel = uniquePrefix('bus-client')
    const client = new Redis(URL)
    cleanups.push(() => client.disconnect())
    const a = bus({ client }, channel)
    const received: InvalidationMessage[] = []
    await a.subscribe((m) => received.push(m))
    await a.publish(keysMessage('x', ['k']))
    await waitFor(() => received.length === 1, 'the message')
    await a.close()
    await a.close()
    expect(client.status).toBe('ready')
    expect(await client.ping()).toBe('PONG')
  })

  test('close is idempotent and publish rejects afterwards', async () => {
    const a = bus({ url: URL }, uniquePrefix('bus-close'))
    await a.subscribe(() => {})
    await a.close()
    await a.close()
    await expect(a.publish(keysMessage('x', ['k']))).rejects.toBeInstanceOf(InfrastructureError)
  })

  test('resubscribes after the subscriber connection is cut and calls onReset', async () => {
    const channel = uniquePrefix('bus-reset')
    const link = await proxy(7110)
    const listener = bus({ url: link.url }, channel)
    const sender = bus({ url: URL }, channel)
    const received: InvalidationMessage[] = []
    let resets = 0
    await listener.subscribe(
      (m) => received.push(m),
      () => resets++,
    )
    await sender.publish(keysMessage('s', ['before']))
    await waitFor(() => received.length === 1, 'the first message')
    expect(resets).toBe(0)

    await link.cut('refuse')
    await sender.publish(keysMessage('s', ['missed']))
    await link.restore()
    await waitFor(() => resets === 1, 'onReset after the reconnect')
    await sender.publish(keysMessage('s', ['after']))
    await waitFor(() => received.length === 2, 'a message after the reconnect')
    expect(received.map((m) => (m.kind === 'keys' ? m.keys[0] : m.kind))).toEqual(['before', 'after'])
  })

  test('when Redis is unreachable at start, subscribe rejects in time and the bus catches up later', async () => {
    const channel = uniquePrefix('bus-late')
    const link = await proxy(7111)
    await link.cut('refuse')
    const listener = redisBus({ url: link.url }, { channel, subscribeTimeoutMs: 300 })
    cleanups.push(() => listener.close())
    const received: InvalidationMessage[] = []
    let resets = 0
    const error = await listener
      .subscribe(
        (m) => received.push(m),
        () => resets++,
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InfrastructureError)
    await expect(listener.publish(keysMessage('l', ['k']))).rejects.toBeInstanceOf(InfrastructureError)

    await link.restore()
    await waitFor(() => resets === 1, 'onReset once subscribed')
    const sender = bus({ url: URL }, channel)
    await sender.publish(keysMessage('s', ['late']))
    await waitFor(() => received.length === 1, 'delivery after the late subscription')
  })

  test('notices a partitioned subscriber through its PING health check and resets', async () => {
    const channel = uniquePrefix('bus-partition')
    const link = await proxy(7112)
    const listener = redisBus({ url: link.url }, { channel, healthCheckIntervalMs: 200 })
    cleanups.push(() => listener.close())
    const sender = bus({ url: URL }, channel)
    const received: InvalidationMessage[] = []
    let resets = 0
    await listener.subscribe(
      (m) => received.push(m),
      () => resets++,
    )
    await link.cut('freeze')
    const frozen = link.frozenOpen()
    await sender.publish(keysMessage('s', ['lost']))
    // Still partitioned: only the unanswered PING can make the subscriber drop its connection.
    await waitFor(() => link.frozenOpen() === frozen - 1, 'the subscriber to drop the dead link')
    expect(resets).toBe(0)
    await link.restore()
    await waitFor(() => resets === 1, 'onReset after the health check forced a reconnect')
    await sender.publish(keysMessage('s', ['after']))
    await waitFor(() => received.length === 1, 'delivery after the partition')
    expect(received[0]).toEqual(keysMessage('s', ['after']))
  })

  test('rejects bad options naming the option, and never echoes the URL', () => {
    expect(() => redisBus({ url: 'http://user:secret@host' })).toThrow(ValidationError)
    expect(() => redisBus({ url: 'http://user:secret@host' })).not.toThrow(/secret/)
    expect(() => redisBus({ url: URL }, { channel: '' })).toThrow(/channel/)
    expect(() => redisBus({ url: URL }, { healthCheckIntervalMs: 0 })).toThrow(/healthCheckIntervalMs/)
    expect(() => redisBus({ client: {} as never })).toThrow(ValidationError)
  })
})
