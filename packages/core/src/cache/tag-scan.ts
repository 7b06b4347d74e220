import type { Store } from '../contracts/store'
import type { CacheParts } from './cache-parts'
import type { L2Gateway } from './l2-gateway'
import type { L2Reader } from './l2-read'

const storeGet = (store: Store, key: string): Promise<Uint8Array | undefined> => store.get(key)

/** The keys found to carry a tag, and the first L2 failure that may have hidden others. */
export interface TagMatches {
  matches: string[]
  failure: unknown
}

/**
 * The keys among `keys` whose entry carries `tag`: the L1 copy decides when there is one, else L2.
 * A key whose L2 read fails is not a match; the failure is returned so the caller can report it.
 */
export async function keysWithTag(
  keys: AsyncIterable<string>,
  tag: string,
  parts: CacheParts,
  gateway: L2Gateway,
  reads: L2Reader,
): Promise<TagMatches> {
  const { l1, l2, prefix } = parts
  const matches: string[] = []
  let failure: unknown
  for await (const key of keys) {
    const fullKey = prefix + key
    if (l1?.get(key)?.tags.includes(tag)) {
      matches.push(key)
      continue
    }
    // After a failure the call rejects anyway: no more round trips (or timeouts) for it.
    if (!l2 || failure !== undefined) continue
    // Not through the gateway, which reads a failure as a miss: here it must be told apart.
    let bytes: Uint8Array | undefined
    try {
      bytes = await l2.call('get', storeGet, fullKey)
      gateway.answered()
    } catch (error) {
      parts.emitError(error, 'l2', 'get', key)
      failure ??= error
      continue
    }
    const entry = bytes ? await reads.open(fullKey, bytes, key) : undefined
    if (entry?.meta.tags.includes(tag)) matches.push(key)
  }
  return { matches, failure }
}
