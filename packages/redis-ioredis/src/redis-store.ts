import { InfrastructureError, type Store, type StoreEntry, ValidationError } from '@cache/core'
import type { ChainableCommander, Redis } from 'ioredis'
import {
  type ConnectionHandle,
  openConnection,
  type RedisClient,
  type RedisConnection,
  refuseClientOptions,
} from './connection'
import { STORE_DEFAULTS } from './defaults'
import { keySlot } from './key-slot'
import { MAX_TTL_MS, positiveInteger } from './option-checks'
import { watchReconnect } from './reconnect-watch'
import { toInfrastructureError } from './redis-errors'
import { WriteCoalescer } from './write-coalescer'

/** Options of `redisStore`. */
export interface RedisStoreOptions {
  /** The store's name in errors, stats and health. @default 'redis' */
  name?: string
  /** `COUNT` hint of each `SCAN` step. @default 500 keys */
  scanCount?: number
  /** Most keys per `UNLINK` in `clear`. @default 500 keys */
  deleteBatchSize?: number
  /**
   * How `setMany` writes a batch: `'script'`, one `EVAL` of a `SET` script (a third of the client CPU of
   * a `SET` per entry, about twice the Redis CPU); `'pipeline'`, one `SET` per entry, for a Redis whose
   * CPU is the bottleneck. Either way one round trip. @default 'script'
   */
  batchWrites?: 'script' | 'pipeline'
}

type Bytes = Buffer | null

/**
 * A GET kept back to go out in a merged `MGET`. Per-command objects here are class instances, not object
 * literals: V8 may allocate every later object of a literal in the old generation once most of its objects
 * survived one GC (a full GC whose marking overlaps a burst of calls), which makes short-lived ones dear.
 */
class MergedRead {
  constructor(
    readonly resolve: (value: Uint8Array | undefined) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** Most keys per merged `MGET`: past this many, Redis starts on them while the tick goes on (as the coalescer does). */
export const MERGED_READS = 32

/** A `Store` over ioredis: standalone, Sentinel (through the client) or Cluster. */
export class RedisStore implements Store {
  readonly name: string
  readonly capabilities = { nativeTtl: true, shared: true } as const
  /** The ioredis client in use (ours when created from a URL, the caller's otherwise). */
  readonly client: RedisClient
  readonly #handle: ConnectionHandle
  readonly #scanCount: number
  readonly #deleteBatchSize: number
  readonly #writes: WriteCoalescer
  readonly #getError = (error: unknown): InfrastructureError =>
    toInfrastructureError(error, `${this.name} get`, this.#handle)
  readonly #getFailed = (error: unknown): undefined => {
    // A key holding another type (a hash, say) is a miss, as it is through MGET.
    if (isWrongType(error)) return undefined
    throw this.#getError(error)
  }
  readonly #setFailed = (error: unknown): never => {
    throw toInfrastructureError(error, `${this.name} set`, this.#handle)
  }
  /** GETs of a held tick (see {@link RedisStore.get}), kept back to go out together as one `MGET`. */
  #mergedKeys: string[] = []
  #mergedReads: MergedRead[] = []
  /** Sends the GETs kept back, if any: at the end of the tick, at {@link MERGED_READS}, or before a command that must not overtake them. */
  readonly #sendMerged = (): void => {
    const keys = this.#mergedKeys
    if (keys.length === 0) return
    const reads = this.#mergedReads
    this.#mergedKeys = []
    this.#mergedReads = []
    const fail = (error: unknown) => {
      for (const read of reads) read.reject(this.#getError(error))
    }
    try {
      this.#writes.hold()
      const client = this.client as Redis
      if (keys.length === 1) {
        const read = reads[0]!
        client.getBuffer(keys[0]!).then(
          (reply) => read.resolve(toBytes(reply)),
          (error: unknown) => (isWrongType(error) ? read.resolve(undefined) : fail(error)),
        )
        return
      }
      client.mgetBuffer(keys).then((replies) => {
        for (let i = 0; i < reads.length; i++) reads[i]!.resolve(toBytes(replies[i] ?? null))
      }, fail)
    } catch (error) {
      fail(error)
    }
  }
  #closed = false
  /** False with `batchWrites: 'pipeline'`, or once the server refused the script (an ACL, a proxy): SETs then. */
  #scripted: boolean
  /** True once a script call went through: until then a refusal is likely, so setMany copies the bytes. */
  #scriptWorks = false
  /** True once the first connection attempt is over, so commands no longer wait for it. */
  #started = false

  constructor(connection: RedisConnection, options: RedisStoreOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('redisStore expects an options object', 'INVALID_OPTION')
    }
    this.name = options.name ?? STORE_DEFAULTS.name
    if (typeof this.name !== 'string' || this.name === '') {
      throw new ValidationError('redisStore option name must be a non-empty string', 'INVALID_OPTION')
    }
    this.#scanCount = positiveInteger(
      'redisStore',
      'scanCount',
      options.scanCount ?? STORE_DEFAULTS.scanCount,
    )
    this.#deleteBatchSize = positiveInteger(
      'redisStore',
      'deleteBatchSize',
      options.deleteBatchSize ?? STORE_DEFAULTS.deleteBatchSize,
    )
    const batchWrites = options.batchWrites ?? STORE_DEFAULTS.batchWrites
    if (batchWrites !== 'script' && batchWrites !== 'pipeline') {
      throw new ValidationError(
        `redisStore option batchWrites must be 'script' or 'pipeline', got ${JSON.stringify(batchWrites)}`,
        'INVALID_OPTION',
      )
    }
    this.#scripted = batchWrites === 'script'
    refuseClientOptions('redisStore', connection, ['keyPrefix', 'enableAutoPipelining'])
    this.#handle = openConnection('redisStore', connection)
    this.client = this.#handle.client
    this.#writes = new WriteCoalescer(this.client, undefined, this.#sendMerged)
    this.#handle.firstAttempt.then(() => {
      this.#started = true
    })
  }

  /**
   * While the commands of a tick are held (many concurrent callers), its GETs go out together as one
   * `MGET` of up to {@link MERGED_READS} keys: a third of the client CPU of a GET each. A `set` of one of
   * their keys, and any other command, sends them first, so commands on one key keep their order; the
   * first command after an idle spell is not held, and goes out at once as a GET.
   */
  get(key: string): Promise<Uint8Array | undefined> {
    if (!this.#sendsNow()) {
      return this.#run('get', (client) => client.getBuffer(key).then(toBytes, missIfWrongType))
    }
    try {
      if (!this.#writes.holding) {
        this.#writes.hold()
        // Not held (the first command after an idle spell, or a stream that cannot be corked): at once.
        // One promise per command on top of ioredis's, with error handlers made once.
        if (!this.#writes.holding) return (this.client as Redis).getBuffer(key).then(toBytes, this.#getFailed)
      }
    } catch (error) {
      return Promise.reject(this.#getError(error))
    }
    return new Promise((resolve, reject) => {
      this.#mergedKeys.push(key)
      this.#mergedReads.push(new MergedRead(resolve, reject))
      if (this.#mergedKeys.length === MERGED_READS) {
        // A full MGET goes out now, not at the end of the tick: Redis works on it while the tick goes on.
        this.#sendMerged()
        this.#writes.flush()
      }
    })
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return []
    return this.#run('getMany', async (client) => {
      const values: (Uint8Array | undefined)[] = new Array(keys.length)
      // MGET needs every key in one slot on Cluster; standalone gets a single group, so one MGET.
      await Promise.all(
        this.#groupBySlot(keys).map(async (indexes) => {
          const replies = await client.mgetBuffer(...indexes.map((index) => keys[index]!))
          indexes.forEach((index, position) => {
            values[index] = toBytes(replies[position] ?? null)
          })
        }),
      )
      return values
    })
  }

  set(key: string, value: Uint8Array, ttlMs?: number): Promise<void> {
    let command: SetCommand
    try {
      command = toSetCommand(key, value, ttlMs, !this.#writesAtOnce())
    } catch (error) {
      return Promise.reject(error)
    }
    if (!this.#sendsNow()) {
      return this.#run('set', (client) => (sendSet(client, command) as Promise<unknown>).then(toVoid))
    }
    try {
      // A GET of this key kept back goes first; GETs of other keys may stay back (the order of commands on
      // different keys changes nothing).
      if (this.#mergedKeys.includes(key)) this.#sendMerged()
      this.#writes.hold()
      return (sendSet(this.client, command) as Promise<unknown>).then(toVoid, this.#setFailed)
    } catch (error) {
      return Promise.reject(toInfrastructureError(error, `${this.name} set`, this.#handle))
    }
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    if (entries.length === 0) return
    // Validate everything first so a bad entry writes nothing. Without copies when the pipeline below is
    // serialized before this call returns (a connected standalone client), as for set(); but while a refused
    // script is still likely, with copies: the fallback SETs go out a round trip later.
    const copy = !this.#writesAtOnce() || (this.#scripted && !this.#scriptWorks)
    const commands = entries.map((entry) => toSetCommand(entry.key, entry.value, entry.ttlMs, copy))
    await this.#run('setMany', async (client) => {
      const groups = this.#groupBySlot(commands.map((command) => command.key))
      await Promise.all(groups.map((indexes) => this.#setGroup(client, commands, indexes, copy)))
    })
  }

  /**
   * Writes one group (one slot on Cluster) in one round trip: through {@link SET_MANY_SCRIPT}, one
   * command per {@link SCRIPT_ENTRIES} entries, which costs the client about a third of the CPU of one
   * `SET` per entry; or, where the server refuses scripts, as pipelined `SET`s.
   */
  async #setGroup(
    client: RedisClient,
    commands: SetCommand[],
    indexes: number[],
    copied: boolean,
  ): Promise<void> {
    if (!this.#scripted || indexes.length === 1) return setPipelined(client, commands, indexes)
    try {
      await setScripted(client, commands, indexes)
      this.#scriptWorks = true
    } catch (error) {
      // Only a refusal of scripts switches to SETs; anything else (BUSY, OOM, a lost link) just rejects.
      if (!isScriptRefused(error)) throw error
      if (!copied) {
        // The caller may have reused its arrays since: SETs from the next batch, this one rejects.
        this.#scripted = false
        throw error
      }
      // SETs, and if they go through, SETs from now on. Re-setting keys the script set already is harmless.
      await setPipelined(client, commands, indexes)
      this.#scripted = false
    }
  }

  delete(key: string): Promise<boolean> {
    return this.#run('delete', (client) => client.unlink(key).then(isPositive))
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0
    return this.#run('deleteMany', async (client) => {
      const counts = await Promise.all(
        this.#groupBySlot(keys).map((indexes) => client.unlink(...indexes.map((index) => keys[index]!))),
      )
      return counts.reduce((sum, count) => sum + count, 0)
    })
  }

  async clear(prefix: string): Promise<void> {
    checkPrefix(prefix)
    const prefixBytes = Buffer.from(prefix, 'utf8')
    await this.#run('clear', async () => {
      for (const node of await this.#masters()) {
        let cursor = '0'
        do {
          // scanBuffer: keys are deleted exactly as stored, even if they are not valid UTF-8.
          const [next, found] = await node.scanBuffer(
            cursor,
            'MATCH',
            matchPattern(prefix),
            'COUNT',
            this.#scanCount,
          )
          cursor = next.toString()
          const mine = found.filter((key) => startsWith(key, prefixBytes))
          for (let start = 0; start < mine.length; start += this.#deleteBatchSize) {
            const batch = mine.slice(start, start + this.#deleteBatchSize)
            await Promise.all(
              this.#groupBySlot(batch).map((indexes) => node.unlink(...indexes.map((i) => batch[i]!))),
            )
          }
        } while (cursor !== '0')
      }
    })
  }

  async *keys(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix)
    // SCAN may return a key more than once (while the server rehashes); callers get each key once.
    const seen = new Set<string>()
    for (const node of await this.#run('keys', () => this.#masters())) {
      let cursor = '0'
      do {
        const [next, found] = await this.#run('keys', () =>
          node.scan(cursor, 'MATCH', matchPattern(prefix), 'COUNT', this.#scanCount),
        )
        cursor = next
        for (const key of found) {
          if (!key.startsWith(prefix) || seen.has(key)) continue
          seen.add(key)
          yield key
        }
      } while (cursor !== '0')
    }
  }

  async ping(): Promise<number> {
    return this.#run('ping', async (client) => {
      const started = performance.now()
      await client.ping()
      return performance.now() - started
    })
  }

  /**
   * Calls `listener` each time the client is ready again after a lost connection (ioredis `ready` after
   * a reconnect), so the cache probes an open circuit at once. Returns a function that stops it.
   */
  onReconnect(listener: () => void): () => void {
    return watchReconnect(this.client, () => {
      if (!this.#closed) listener()
    })
  }

  /** Quits the client if the store created it; a caller's client stays open. Idempotent. */
  async close(): Promise<void> {
    this.#sendMerged()
    this.#closed = true
    await this.#handle.close()
  }

  /** True when a command can go to the client right away (open, and past the first connection attempt). */
  #sendsNow(): boolean {
    return this.#started && !this.#closed
  }

  // Not async, and no await once the client has started: every get/set goes through here, and each
  // extra await is another promise and microtask per command.
  #run<T>(operation: string, run: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new InfrastructureError(`${this.name} ${operation}: store is closed`, 'CLOSED'))
    }
    if (!this.#started) return this.#handle.firstAttempt.then(() => this.#run(operation, run))
    let sent: Promise<T>
    try {
      // GETs kept back go first: commands reach Redis in the order they were called.
      this.#sendMerged()
      this.#writes.hold()
      sent = run(this.client)
    } catch (error) {
      sent = Promise.reject(error)
    }
    return sent.catch((error: unknown) => {
      throw toInfrastructureError(error, `${this.name} ${operation}`, this.#handle)
    })
  }

  /**
   * True when a command sent now is serialized by ioredis before the call returns (a connected
   * standalone client writes at once), so its arguments need no defensive copy.
   */
  #writesAtOnce(): boolean {
    if (this.#handle.isCluster || !this.#started) return false
    const client = this.client as Redis
    return client.status === 'ready' && client.stream?.writable === true
  }

  /** Every master of a Cluster (each holds its own slots), or the one standalone client. */
  async #masters(): Promise<Redis[]> {
    const client = this.client
    if (!this.#handle.isCluster) return [client as Redis]
    const cluster = client as Extract<RedisClient, { nodes: unknown }>
    // Before it is ready a Cluster lists only its startup nodes; a command waits until the slot map is loaded.
    if (cluster.status !== 'ready') await cluster.ping()
    const masters = cluster.nodes('master')
    if (masters.length === 0) {
      throw new InfrastructureError(`${this.name}: the cluster has no reachable master`, 'CONNECTION')
    }
    return masters
  }

  /** Indexes of `keys` grouped so each group can go in one multi-key command (one slot on Cluster). */
  #groupBySlot(keys: readonly (string | Buffer)[]): number[][] {
    if (!this.#handle.isCluster) return [keys.map((_, index) => index)]
    const groups = new Map<number, number[]>()
    keys.forEach((key, index) => {
      const slot = keySlot(key)
      const group = groups.get(slot)
      if (group) group.push(index)
      else groups.set(slot, [index])
    })
    return [...groups.values()]
  }
}

/** Creates a Redis `Store` from `{ url }` (owned client) or `{ client }` (the caller's client). */
export function redisStore(connection: RedisConnection, options?: RedisStoreOptions): RedisStore {
  return new RedisStore(connection, options)
}

// Glob metacharacters of Redis MATCH; a prefix such as "a*" must match itself, not "ab...".
const GLOB_SPECIAL = /[*?[\]\\]/g

/** The SCAN MATCH pattern for keys starting with `prefix`, with the prefix's glob characters escaped. */
export function matchPattern(prefix: string): string {
  return `${prefix.replace(GLOB_SPECIAL, '\\$&')}*`
}

/** One SET: a class for the reason given at {@link MergedRead}. */
class SetCommand {
  constructor(
    readonly key: string,
    readonly bytes: Buffer,
    readonly pxMs: number | undefined,
  ) {}
}

function toSetCommand(key: string, value: Uint8Array, ttlMs: number | undefined, copy: boolean): SetCommand {
  if (typeof key !== 'string') {
    throw new ValidationError(`redisStore.set expects a string key, got ${typeof key}`, 'INVALID_KEY')
  }
  if (!(value instanceof Uint8Array)) {
    throw new ValidationError(`redisStore.set("${key}") expects a Uint8Array value`, 'INVALID_VALUE')
  }
  // A copy, taken now, unless the command is serialized at once: it may be serialized a tick later (or sit
  // in a caller's offline queue), and a caller that reuses its array right after calling set() must not
  // change what gets stored.
  const bytes = copy ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (ttlMs === undefined || ttlMs === Number.POSITIVE_INFINITY) return new SetCommand(key, bytes, undefined)
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs)) {
    throw new ValidationError(
      `redisStore.set("${key}") ttlMs must be a number, got ${String(ttlMs)}`,
      'INVALID_TTL',
    )
  }
  // Past Redis's range (now + PX must fit in 64 bits) a TTL means "never expires", as Infinity does.
  if (ttlMs > MAX_TTL_MS) return new SetCommand(key, bytes, undefined)
  return new SetCommand(key, bytes, Math.max(1, Math.ceil(ttlMs)))
}

/** A reply that means "no scripts here" (ACL, renamed or disabled command, a proxy without EVAL). */
function isScriptRefused(error: unknown): boolean {
  if ((error as Error | undefined)?.name !== 'ReplyError') return false
  const message = (error as Error).message
  // The error code (the reply's first word) decides: OOM and BUSY replies also say "not allowed".
  if (message.startsWith('NOPERM')) return true
  return message.startsWith('ERR') && SCRIPT_REFUSED.test(message)
}

const SCRIPT_REFUSED = /unknown command|not allowed|disabled|not supported|unsupported/i

function isWrongType(error: unknown): boolean {
  return (
    (error as Error | undefined)?.name === 'ReplyError' && (error as Error).message.startsWith('WRONGTYPE')
  )
}

/** Resolves a WRONGTYPE reply as a miss (as MGET reads it); rethrows anything else. */
function missIfWrongType(error: unknown): undefined {
  if (isWrongType(error)) return undefined
  throw error
}

/**
 * Sets every key of `KEYS` to its value, with its own expiry: `ARGV` holds, per key, its `PX`
 * milliseconds (empty for none) and then its value. The keys are declared, as Cluster and Dragonfly need.
 */
const SET_MANY_SCRIPT = `for i = 1, #KEYS do
  local px = ARGV[2 * i - 1]
  if px == '' then redis.call('SET', KEYS[i], ARGV[2 * i])
  else redis.call('SET', KEYS[i], ARGV[2 * i], 'PX', px) end
end
return #KEYS`

/** Most entries per script call, so that one call holds the server for about a millisecond at most. */
export const SCRIPT_ENTRIES = 256
/** Most value bytes per script call, for the same reason; a larger entry goes alone, as a plain `SET`. */
export const SCRIPT_BYTES = 1024 * 1024

type EvalArgs = [script: string, keyCount: number, ...rest: (string | number | Buffer)[]]

/**
 * `indexes` of `commands` through {@link SET_MANY_SCRIPT}, in calls of at most {@link SCRIPT_ENTRIES}
 * entries and {@link SCRIPT_BYTES} value bytes (a call of one entry is a plain `SET`), in one round trip.
 */
async function setScripted(client: RedisClient, commands: SetCommand[], indexes: number[]): Promise<void> {
  const chunks = scriptChunks(commands, indexes)
  if (chunks.length === 1) {
    await sendChunk(client, commands, chunks[0]!)
    return
  }
  const pipeline = client.pipeline()
  for (const chunk of chunks) sendChunk(pipeline, commands, chunk)
  await execAll(pipeline)
}

/** Splits `indexes` into the script calls of {@link setScripted}. */
function scriptChunks(commands: SetCommand[], indexes: number[]): number[][] {
  const chunks: number[][] = []
  let chunk: number[] = []
  let bytes = 0
  for (const index of indexes) {
    const size = commands[index]!.bytes.length
    if (chunk.length > 0 && (chunk.length === SCRIPT_ENTRIES || bytes + size > SCRIPT_BYTES)) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(index)
    bytes += size
  }
  chunks.push(chunk)
  return chunks
}

/** One call of {@link setScripted} on a client or a pipeline. */
function sendChunk(
  target: Pick<Redis, 'set' | 'eval'> | ChainableCommander,
  commands: SetCommand[],
  chunk: number[],
): unknown {
  if (chunk.length === 1) return sendSet(target, commands[chunk[0]!]!)
  const args: EvalArgs = [SET_MANY_SCRIPT, chunk.length]
  for (const index of chunk) args.push(commands[index]!.key)
  for (const index of chunk) {
    const { bytes, pxMs } = commands[index]!
    args.push(pxMs === undefined ? '' : pxMs, bytes)
  }
  return target.eval(...args)
}

/** `indexes` of `commands` as one pipeline of `SET`s. */
async function setPipelined(client: RedisClient, commands: SetCommand[], indexes: number[]): Promise<void> {
  const pipeline = client.pipeline()
  for (const index of indexes) sendSet(pipeline, commands[index]!)
  await execAll(pipeline)
}

/** Runs a pipeline; the first failed command's error rejects. */
async function execAll(pipeline: ChainableCommander): Promise<void> {
  const results = (await pipeline.exec()) ?? []
  const failed = results.find(([error]) => error)
  if (failed) throw failed[0]
}

/** `SET key value [PX ms]` on a client or a pipeline. */
function sendSet(target: Pick<Redis, 'set'> | ChainableCommander, command: SetCommand): unknown {
  const { key, bytes, pxMs } = command
  return pxMs === undefined ? target.set(key, bytes) : target.set(key, bytes, 'PX', pxMs)
}

function toVoid(): void {}

function isPositive(count: number): boolean {
  return count > 0
}

function toBytes(value: Bytes): Uint8Array | undefined {
  // A plain Uint8Array view over the reply buffer: no copy, and equal to what core wrote.
  return value === null ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

function startsWith(key: Buffer, prefix: Buffer): boolean {
  return key.length >= prefix.length && key.subarray(0, prefix.length).equals(prefix)
}

function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string') {
    throw new ValidationError(`redisStore expects a string prefix, got ${typeof prefix}`, 'INVALID_KEY')
  }
}
