import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import net from 'node:net'

/** A shaper step failed: the message names the command and what it printed (no secrets are involved). */
export class ShaperError extends Error {
  override name = 'ShaperError'
}

// Burst of each class: a few of loopback's 64 KiB packets, so a large Redis reply is not split into
// bursts the link would not have; small against a second of any rate measured here.
const BURST = '256kb'

/**
 * The `tc` argument lists that give loopback traffic from and to `port` a rate of `megabitsPerSecond`
 * each way, as a full-duplex link would: an htb class per direction, picked by u32 filters on the TCP
 * port; every other loopback packet goes through an unlimited class. Expects no root qdisc on `lo`.
 */
export function loopbackShaperCommands(port: number, megabitsPerSecond: number): string[][] {
  if (!(Number.isInteger(port) && port > 0 && port < 65_536))
    throw new RangeError(`a shaped port must be a TCP port, got ${port}`)
  if (!(megabitsPerSecond > 0 && Number.isFinite(megabitsPerSecond)))
    throw new RangeError(`a link needs a positive rate, got ${megabitsPerSecond} Mbit/s`)
  const rate = `${megabitsPerSecond}mbit`
  // An explicit quantum: htb derives one from the rate and warns when it is large; these classes
  // never borrow from each other (ceil = rate), so it does not change what they send.
  const htbClass = (classId: string, classRate: string) => [
    ...['class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', classId, 'htb'],
    ...['rate', classRate, 'ceil', classRate, 'burst', BURST, 'cburst', BURST, 'quantum', '200000'],
  ]
  const filter = (direction: 'sport' | 'dport', classId: string) => [
    ...['filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32'],
    ...['match', 'ip', direction, String(port), '0xffff', 'flowid', classId],
  ]
  return [
    ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '30'],
    htbClass('1:10', rate),
    htbClass('1:20', rate),
    // Everything else on loopback: in effect unlimited.
    htbClass('1:30', '100gbit'),
    // Replies come from the port, requests go to it.
    filter('sport', '1:10'),
    filter('dport', '1:20'),
  ]
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.error) throw new ShaperError(`${command} could not run: ${result.error.message}`)
  if (result.status !== 0)
    throw new ShaperError(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr.trim()}`)
  return result.stdout
}

/**
 * Limits loopback traffic from and to `port` to `megabitsPerSecond` each way, or lifts any limit when it
 * is undefined. Needs `tc` (iproute2) and CAP_NET_ADMIN: run it in a namespace of
 * {@link inPrivateNetworkCommand}, never on a shared machine's loopback.
 */
export function shapeLoopback(port: number, megabitsPerSecond: number | undefined): void {
  if (!inPrivateNetwork())
    throw new ShaperError(
      'refusing to shape loopback outside a private network namespace (see inPrivateNetworkCommand)',
    )
  const commands = megabitsPerSecond === undefined ? [] : loopbackShaperCommands(port, megabitsPerSecond)
  // Deleting a root qdisc that is not there fails; that is the state wanted.
  spawnSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root'])
  for (const args of commands) run('tc', args)
}

/** Bytes each shaped direction has sent since the shaper was set up (from `tc -s class show`). */
export function shapedBytes(): { fromPort: number; toPort: number } {
  const stats = run('tc', ['-s', 'class', 'show', 'dev', 'lo'])
  const sent = (classId: string) => {
    const match = new RegExp(`class htb ${classId} [^\\n]*\\n\\s*Sent (\\d+) bytes`).exec(stats)
    if (!match) throw new ShaperError(`no htb class ${classId} on lo: is the shaper set up?`)
    return Number(match[1])
  }
  return { fromPort: sent('1:10'), toPort: sent('1:20') }
}

const NAMESPACE_ENV = 'CACHE_BENCH_PRIVATE_NETWORK'

/** Whether this process runs in a namespace made by {@link inPrivateNetworkCommand}. */
export const inPrivateNetwork = () => process.env[NAMESPACE_ENV] === '1'

/** The Redis a private network's processes use: the one {@link startLocalRedis} starts there. */
export const PRIVATE_REDIS_PORT = 6379
export const PRIVATE_REDIS_URL = `redis://127.0.0.1:${PRIVATE_REDIS_PORT}`

/**
 * How to run `command` in a new network namespace of its own (`unshare --net`; as a user that is not
 * root, in a user namespace too), with the namespace's loopback up: spawn `command` of the result with
 * its `args` and `env` added to the environment. Its 127.0.0.1 is its own: nothing of the machine's
 * (the shared Redis included) is reachable there, and shaping its loopback touches nothing else. It also
 * gets a PID namespace: when `command` ends, or `unshare` is killed or interrupted, the kernel stops
 * every process left there (a redis-server, say).
 */
export function inPrivateNetworkCommand(
  command: string,
  args: readonly string[],
): { command: string; args: string[]; env: Record<string, string> } {
  const isRoot = process.getuid?.() === 0
  const unshare = [
    ...(isRoot ? [] : ['--user', '--map-root-user']),
    ...['--net', '--pid', '--fork', '--kill-child', '--'],
  ]
  const script = 'ip link set lo up && exec "$@"'
  return {
    command: 'unshare',
    args: [...unshare, 'sh', '-c', script, 'sh', command, ...args],
    env: { [NAMESPACE_ENV]: '1' },
  }
}

/** A `redis-server` this process started (persistence off, 127.0.0.1 only). */
export interface LocalRedis {
  port: number
  stop(): Promise<void>
}

/** Starts `redis-server` on 127.0.0.1:`port` and waits until it accepts connections (10 s at most). */
export async function startLocalRedis(port: number): Promise<LocalRedis> {
  const server: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  const failed = new Promise<never>((_, reject) => {
    server.once('error', (error) => reject(new ShaperError(`redis-server could not start: ${error.message}`)))
    void exited.then(() => reject(new ShaperError(`redis-server on port ${port} exited at start`)))
  })
  const stop = async () => {
    server.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    const up = await Promise.race([failed, canConnect(port)])
    if (up) return { port, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new ShaperError(`redis-server on port ${port} did not accept connections within 10 s`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
