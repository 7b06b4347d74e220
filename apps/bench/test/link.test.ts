import { execFile } from 'node:child_process'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { LinkPacer, startLinkProxy } from '../src/lib/link'

describe('LinkPacer', () => {
  it('sends chunks one after another at the link rate, then adds the latency', () => {
    // 8 Mbit/s: 1,000 bytes take 1 ms.
    const pacer = new LinkPacer(8, 0.5)
    expect(pacer.arrival(0, 1_000)).toBe(1.5)
    // Handed over while the first is still on the wire: it waits for it.
    expect(pacer.arrival(0.2, 2_000)).toBe(3.5)
    // An idle link starts at once.
    expect(pacer.arrival(10, 500)).toBe(11)
  })

  it('refuses a rate or latency that is no link', () => {
    expect(() => new LinkPacer(0, 1)).toThrow(RangeError)
    expect(() => new LinkPacer(Number.NaN, 1)).toThrow('a link needs a positive rate')
    expect(() => new LinkPacer(100, -1)).toThrow(RangeError)
  })
})

describe('startLinkProxy', () => {
  it('delivers every byte both ways, in order', async () => {
    // An echo server stands for Redis.
    const echo = net.createServer((socket) => socket.pipe(socket))
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
    const proxy = await startLinkProxy((echo.address() as net.AddressInfo).port, {
      megabitsPerSecond: 1_000,
      latencyMs: 0.1,
    })
    try {
      const sent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff))
      const client = net.connect(proxy.port, '127.0.0.1')
      const received: Buffer[] = []
      let length = 0
      const done = new Promise<void>((resolve, reject) => {
        client.on('error', reject)
        client.on('data', (chunk: Buffer) => {
          received.push(chunk)
          length += chunk.length
          if (length >= sent.length) resolve()
        })
      })
      // Several writes, so chunks queue behind each other on the link.
      for (let offset = 0; offset < sent.length; offset += 64_000)
        client.write(sent.subarray(offset, offset + 64_000))
      await done
      client.destroy()
      expect(Buffer.concat(received).equals(sent)).toBe(true)
    } finally {
      await proxy.close()
      await new Promise((resolve) => echo.close(resolve))
    }
  })
})

describe('pnpm --filter @cache/bench w5:link', () => {
  const benchDir = fileURLToPath(new URL('..', import.meta.url))
  const usageError = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/w5-link.ts', ...args], {
      cwd: benchDir,
    }).then(
      () => expect.unreachable('w5:link accepted bad options'),
      (failed: { code: number; stderr: string }) => {
        expect(failed.code).toBe(2)
        return failed.stderr
      },
    )

  it('exits with 2 and says why on options it cannot run', async () => {
    expect(await usageError(['--targets', 'ours (@cache/*),bento'])).toContain(
      '--targets: not a W5 target: bento',
    )
    expect(await usageError(['--links', '1000,fast'])).toContain('--links takes megabits per second')
    expect(await usageError(['--reps', '0'])).toContain('--reps a count')
    expect(await usageError(['--kernel', '--latency', '1'])).toContain('--kernel models no latency')
  })
})
