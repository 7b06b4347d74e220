import { describeInput, ValidationError } from '../errors'
import { type BatchHost, type FoundEntry, readL1, readL2Batch } from './batch-read'
import { forSharing, loadedValue, type PreparedWrite, resolveGrace } from './entry'
import { entryTags, resolveTtl, type SetOptions } from './options'
import type { FlightClaim } from './single-flight'
import { writeEpoch } from './write-log'

/**
 * What a batch loader returns for the keys it was given: an array with one value per key in the same
 * order, or a `Map` / plain object keyed by key. `undefined` (or a key left out of a Map or object)
 * means "no value": nothing is cached for that key and the caller gets `undefined`.
 */
export type BatchLoaderResult<T> =
  | readonly (T | undefined)[]
  | ReadonlyMap<string, T | undefined>
  | Readonly<Record<string, T | undefined>>

/** Loads the keys that no tier holds, all in one call. */
export type BatchLoader<T> = (missingKeys: string[]) => BatchLoaderResult<T> | Promise<BatchLoaderResult<T>>

/** A key this call loads; a class so that V8 never pretenures it (see `Meta`): it lives for the whole batch. */
class Claim {
  /** A value past its expiry that L2 or L1 still holds, served if the loader fails within its grace. */
  stale: FoundEntry | undefined = undefined
  constructor(
    readonly key: string,
    readonly fullKey: string,
    /** Position of the key's first L1 miss in the caller's list (later ones are copied from it). */
    readonly at: number,
    readonly settle: FlightClaim<unknown>,
  ) {}
}

/**
 * `getOrSetMany`: L1, then one L2 read for the L1 misses, then one loader call for the keys still
 * missing, whose values are stored with one L2 write. Keys already being loaded by another call join
 * that load; the keys this call loads are registered as in flight before anything is awaited.
 */
export async function getOrSetMany<T>(
  host: BatchHost,
  keys: readonly string[],
  loader: BatchLoader<T>,
  options: SetOptions,
  defaultTtlMs: number,
): Promise<(T | undefined)[]> {
  host.checkKeys(keys)
  if (typeof loader !== 'function')
    throw new ValidationError('getOrSetMany expects a loader function', 'VALIDATION')
  // Validate options before anything runs, so a bad TTL never reaches the loader.
  resolveTtl(options.ttl, defaultTtlMs)
  resolveGrace(options.grace, 0)
  // Tags checked and frozen once for the batch: every loaded key's write then keeps this one list.
  const batchOptions = options.tags === undefined ? options : { ...options, tags: entryTags(options.tags) }
  host.counters.operations++
  const now = host.now()
  const results: (T | undefined)[] = new Array(keys.length).fill(undefined)
  // Each missed key's first position; a key listed again is filled from it at the end. No array per
  // key: a batch is usually all distinct keys.
  const firsts = new Map<string, number>()
  let repeats: number[] | undefined
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const hit = readL1(host, key, now)
    if (hit) results[i] = hit.value as T
    else if (!firsts.has(key)) firsts.set(key, i)
    else (repeats ??= []).push(i)
  }
  if (firsts.size === 0) return results
  // Taken before anything is read: a write to a key from now on makes its loaded value too old to store.
  const since = writeEpoch()
  // Keys another call is loading are joined; the others are claimed before anything is awaited.
  const waits: Promise<void>[] = []
  const claims: Claim[] = []
  const joinAt = (flight: Promise<unknown>, at: number) =>
    flight.then((value) => {
      results[at] = value as T
    })
  for (const [key, at] of firsts) {
    const fullKey = host.prefix + key
    // Flights are per cache (one namespace), so keyed without the prefix, as in getOrSet.
    const flight = host.flights.join(key)
    if (flight) waits.push(joinAt(flight, at))
    else claims.push(new Claim(key, fullKey, at, host.flights.claim(key)))
  }
  // A key listed again joins the flight it is in (joined or claimed above), as a second call would, so it
  // gets its own copy of a value that is not frozen.
  if (repeats) for (const i of repeats) waits.push(joinAt(host.flights.join(keys[i]!)!, i))
  if (claims.length > 0) waits.push(loadClaimed(host, claims, loader, batchOptions, since))
  await (waits.length === 1 ? waits[0] : Promise.all(waits))
  for (const { settle, at } of claims) {
    if (settle.failed) throw settle.error
    results[at] = settle.value as T
  }
  return results
}

/** Settles every claim: from L2, from the loader, from a stale value, or with the error. Never rejects. */
async function loadClaimed<T>(
  host: BatchHost,
  claims: Claim[],
  loader: BatchLoader<T>,
  options: SetOptions,
  since: number,
): Promise<void> {
  try {
    const found = await readL2Batch(
      host,
      claims.map((c) => c.key),
    )
    const now = host.now()
    const toLoad: Claim[] = []
    claims.forEach((claim, j) => {
      const entry = found[j]
      if (entry && entry.meta.expiresAt > now) claim.settle.resolve(shared(host, entry))
      else {
        claim.stale = entry ?? staleFromL1(host, claim.key)
        toLoad.push(claim)
      }
    })
    if (toLoad.length > 0) await loadAndStore(host, toLoad, loader, options, since)
  } catch (error) {
    // Not expected (L2 failures are absorbed below us), but no caller may wait forever. Settled claims ignore it.
    for (const claim of claims) claim.settle.reject(error)
  }
}

async function loadAndStore<T>(
  host: BatchHost,
  claims: Claim[],
  loader: BatchLoader<T>,
  options: SetOptions,
  since: number,
): Promise<void> {
  host.counters.misses += claims.length
  host.counters.loads++
  const missingKeys = claims.map((c) => c.key)
  const settled: unknown[] = new Array(claims.length).fill(undefined)
  try {
    const values = loaderValues(await loader(missingKeys.slice()), missingKeys)
    // Every value is validated and serialized before anything is written: a bad one caches nothing.
    const writes: PreparedWrite[] = []
    const at: number[] = []
    for (let j = 0; j < claims.length; j++) {
      if (values[j] === undefined) continue
      const write = host.prepareLoaded(claims[j]!.key, values[j], options)
      write.since = since
      writes.push(write)
      at.push(j)
    }
    const entries = writes.length > 0 ? await host.store(writes) : []
    // What the new L1 entry holds (frozen), or a decoded copy: never the loader's own object.
    writes.forEach((write, w) => {
      const value = loadedValue(entries[w], write, host.serializer, host.l1 !== undefined)
      settled[at[w]!] = forSharing(value, write.payload, host.serializer)
    })
  } catch (error) {
    return serveStaleOrReject(host, claims, error)
  }
  claims.forEach((claim, j) => {
    claim.settle.resolve(settled[j])
  })
}

/** Mirrors `getOrSet`: a key with a value still within its grace window gets it; the others get the error. */
function serveStaleOrReject(host: BatchHost, claims: Claim[], error: unknown): void {
  const now = host.now()
  for (const claim of claims) {
    const stale = claim.stale
    if (stale && stale.meta.staleUntil > now) {
      host.counters.staleServed++
      host.emitError(error, 'loader', 'getOrSetMany', claim.key)
      claim.settle.resolve(shared(host, stale))
    } else claim.settle.reject(error)
  }
}

function staleFromL1(host: BatchHost, key: string): FoundEntry | undefined {
  const entry = host.l1?.get(key)
  return entry ? { value: host.readL1Value(entry), meta: entry, payload: entry.payload } : undefined
}

/** An entry's value as the callers joined on its key share it (see `forSharing`). */
function shared(host: BatchHost, entry: FoundEntry): unknown {
  return forSharing(entry.value, entry.payload, host.serializer)
}

/** The loader's result as one value per key, in the order of `keys`; throws when it breaks the contract. */
export function loaderValues(result: unknown, keys: readonly string[]): unknown[] {
  if (Array.isArray(result)) {
    if (result.length !== keys.length) {
      throw new ValidationError(
        `getOrSetMany: the loader returned ${result.length} values for ${keys.length} keys; an array must hold one value (or undefined) per key, in the order given`,
        'INVALID_LOADER_RESULT',
      )
    }
    return result
  }
  const requested = new Set(keys)
  const check = (key: unknown) => {
    if (typeof key !== 'string' || !requested.has(key)) {
      throw new ValidationError(
        `getOrSetMany: the loader returned key ${describeInput(key)}, which it was not asked for`,
        'INVALID_LOADER_RESULT',
      )
    }
  }
  if (result instanceof Map) {
    for (const key of result.keys()) check(key)
    return keys.map((key) => result.get(key))
  }
  if (isPlainObject(result)) {
    for (const key of Object.keys(result)) check(key)
    return keys.map((key) => (Object.hasOwn(result, key) ? result[key] : undefined))
  }
  throw new ValidationError(
    `getOrSetMany: the loader must return an array, a Map or a plain object, got ${describeInput(result)}`,
    'INVALID_LOADER_RESULT',
  )
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
