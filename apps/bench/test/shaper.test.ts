import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  inPrivateNetworkCommand,
  loopbackShaperCommands,
  ShaperError,
  shapeLoopback,
} from '../src/lib/shaper'

const benchDir = fileURLToPath(new URL('..', import.meta.url))

describe('loopbackShaperCommands', () => {
  it('gives replies from the port and requests to it a class each, at the rate, and leaves other traffic alone', () => {
    const commands = loopbackShaperCommands(6379, 1_000).map((args) => args.join(' '))
    expect(commands[0]).toBe('qdisc add dev lo root handle 1: htb default 30')
    expect(commands.filter((c) => c.includes('rate 1000mbit ceil 1000mbit'))).toHaveLength(2)
    expect(commands).toContain(
      'filter add dev lo parent 1: protocol ip prio 1 u32 match ip sport 6379 0xffff flowid 1:10',
    )
    expect(commands).toContain(
      'filter add dev lo parent 1: protocol ip prio 1 u32 match ip dport 6379 0xffff flowid 1:20',
    )
    expect(commands.find((c) => c.includes('classid 1:30'))).toContain('rate 100gbit')
  })

  it('refuses a port or rate that is none', () => {
    expect(() => loopbackShaperCommands(0, 100)).toThrow(RangeError)
    expect(() => loopbackShaperCommands(70_000, 100)).toThrow('a shaped port must be a TCP port')
    expect(() => loopbackShaperCommands(6379, 0)).toThrow('a link needs a positive rate')
    expect(() => loopbackShaperCommands(6379, Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })
})

describe('shapeLoopback', () => {
  it("never touches the machine's own loopback", () => {
    expect(() => shapeLoopback(6379, 100)).toThrow(ShaperError)
    expect(() => shapeLoopback(6379, undefined)).toThrow('outside a private network namespace')
  })

  it('in a private network namespace, holds one port to the rate each way, counts its bytes, and ends with its processes', {
    timeout: 30_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-shaper-'))
    const out = join(dir, 'probe.json')
    // A sleep of a length no other process uses, to find it afterwards.
    const marker = String(40_000 + Math.floor(Math.random() * 10_000))
    const run = inPrivateNetworkCommand(process.execPath, [
      ...['--import', 'tsx', 'test/fixtures/shaper-probe.ts', out, marker],
    ])
    const { status } = spawnSync(run.command, run.args, {
      cwd: benchDir,
      stdio: 'inherit',
      env: { ...process.env, ...run.env },
    })
    expect(status).toBe(0)
    // What the probe left behind ended with it.
    expect(spawnSync('pgrep', ['-f', `^sleep ${marker}$`]).status).toBe(1)
    const probe = JSON.parse(readFileSync(out, 'utf8'))
    rmSync(dir, { recursive: true, force: true })
    // A Redis of the namespace's own, not the machine's (which the other tests fill).
    expect(probe.keysInPrivateRedis).toBe(0)
    // 1 MB each way at 8 Mbit/s: about a second; the 256 KB burst goes at once. A floor the shaper
    // sets, not a speed of the machine.
    expect(probe.shapedMs).toBeGreaterThan(600)
    // Each direction's class saw the megabyte (plus headers), and no byte of the other port's megabyte.
    for (const sent of [probe.bytes.fromPort, probe.bytes.toPort]) {
      expect(sent).toBeGreaterThanOrEqual(1_000_000)
      expect(sent).toBeLessThan(1_500_000)
    }
    // Lifting the limit leaves loopback as it was.
    expect(probe.qdiscAfter).not.toContain('htb')
  })
})
