import { crc32 } from 'node:zlib'
import { zlibCompressor } from '@cache/compression-node'
import { createCache, createCodec, type Store, type TieredCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { redisLock, redisStore } from '@cache/redis-ioredis'
import { OURS, OURS_MAX_COMPRESSION, OURS_NO_COMPRESSION } from './names'
import type { BenchCache, Mode, OursCompression, TargetContext, TargetDefinition } from './types'

/** Brotli's top quality: 0.240x JSON on W5's text (10 gives 0.249, 9 0.259), at ~125-135 ms per 100 KB. */
export const MAX_COMPRESSION: OursCompression = { algorithm: 'brotli', level: 11 }
// Each 100 KB write blocks the event loop for 100-200 ms at quality 11, so Redis replies wait behind it:
// under the default 300 ms command timeout reads would time out and read as misses.
const MAX_COMPRESSION_TIMEOUT_MS = 5_000

/**
 * The workload's command timeout, else the default (300 ms) in full runs. Quick runs are CI's smoke test,
 * next to other test files on 2 cores: a Redis reply can take longer than 300 ms there, and a read that
 * times out comes back as a miss, which a workload reports as a lost value. Quick runs check that
 * everything runs, not speed, so they wait up to 5 s.
 */
function commandTimeout(workloadMs: number | undefined, quick: boolean): { commandTimeout?: number } {
  if (workloadMs !== undefined) return { commandTimeout: workloadMs }
  return quick ? { commandTimeout: QUICK_COMMAND_TIMEOUT_MS } : {}
}
const QUICK_COMMAND_TIMEOUT_MS = 5_000

async function createOurs(mode: Mode, context: TargetContext): Promise<BenchCache> {
  const options = context.ours ?? {}
  const { compression } = options
  const compressor = compression ? zlibCompressor({ algorithm: compression.algorithm }) : undefined
  const trips = { reads: 0, writes: 0 }
  const redis = mode === 'memory' ? undefined : redisStore({ url: context.redisUrl })
  const store = redis && options.countRoundTrips ? countingStore(redis, trips) : redis
  const cache: TieredCache = await createCache({
    ...(mode === 'l2'
      ? {}
      : {
          l1: memoryL1({
            maxItems: context.l1Items,
            ...(options.l1Admission ? { admission: options.l1Admission } : {}),
          }),
        }),
    ...(store ? { store } : {}),
    ...(options.lock ? { lock: redisLock({ url: context.redisUrl }) } : {}),
    codec: createCodec({
      // Node's native CRC-32 for the envelope checksum, as the core README recommends on Node 20.15+.
      crc32,
      // Above the default 1 KB threshold, with any level set through the codec as a user would.
      ...(compressor ? { compressor } : {}),
      ...(compression?.level === undefined ? {} : { compressionLevel: compression.level }),
    }),
    ...commandTimeout(options.commandTimeoutMs, context.quick === true),
    ...(options.breakerRecoveryMs === undefined
      ? {}
      : { circuitBreaker: { recovery: options.breakerRecoveryMs } }),
    // In memory nothing is shared, so the default namespace ('cache') serves, as in most apps; Redis
    // modes need the child's own prefix.
    ...(mode === 'memory' ? {} : { namespace: context.prefix.slice(0, -1) }),
  })
  return {
    get: (key) => cache.get(key),
    set: (key, value, ttlMs) => cache.set(key, value, { ttl: ttlMs }),
    getOrSet: (key, loader, ttlMs) => cache.getOrSet(key, loader, { ttl: ttlMs }),
    getMany: (keys) => cache.getMany(keys),
    getOrSetMany: (keys, loader, ttlMs) => cache.getOrSetMany(keys, loader, { ttl: ttlMs }),
    ...(options.countRoundTrips ? { roundTrips: () => ({ ...trips }) } : {}),
    l1Counts() {
      const { hits, misses } = cache.stats().tiers.l1
      return { hits, misses }
    },
    close: () => cache.close(),
  }
}

/** Our stack: `createCache` with `memoryL1` and, for Redis modes, `redisStore` (plus `redisLock`). */
export const oursTarget: TargetDefinition = {
  name: OURS,
  modes: ['memory', 'l2', 'tiered'],
  create: createOurs,
}

/** Our stack as the workload sets it up, but without compression. */
export const oursNoCompressionTarget: TargetDefinition = {
  name: OURS_NO_COMPRESSION,
  modes: ['l2', 'tiered'],
  create: (mode, context) => {
    const { compression: _off, ...rest } = context.ours ?? {}
    return createOurs(mode, { ...context, ours: rest })
  },
}

/** Our stack as the workload sets it up, compressing with {@link MAX_COMPRESSION} (and a long command timeout). */
export const oursMaxCompressionTarget: TargetDefinition = {
  name: OURS_MAX_COMPRESSION,
  modes: ['l2', 'tiered'],
  create: (mode, context) =>
    createOurs(mode, {
      ...context,
      ours: {
        ...context.ours,
        compression: MAX_COMPRESSION,
        commandTimeoutMs: Math.max(context.ours?.commandTimeoutMs ?? 0, MAX_COMPRESSION_TIMEOUT_MS),
      },
    }),
}

/** Delegates to `inner`, counting its round trips (each call of the Store contract is one). */
function countingStore(inner: Store, trips: { reads: number; writes: number }): Store {
  return {
    name: inner.name,
    capabilities: inner.capabilities,
    get(key) {
      trips.reads++
      return inner.get(key)
    },
    getMany(keys) {
      trips.reads++
      return inner.getMany(keys)
    },
    set(key, value, ttlMs) {
      trips.writes++
      return inner.set(key, value, ttlMs)
    },
    setMany(entries) {
      trips.writes++
      return inner.setMany(entries)
    },
    delete: (key) => inner.delete(key),
    deleteMany: (keys) => inner.deleteMany(keys),
    clear: (prefix) => inner.clear(prefix),
    keys: (prefix) => inner.keys(prefix),
    ping: () => inner.ping(),
    close: () => inner.close(),
  }
}
