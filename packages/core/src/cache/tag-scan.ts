import type { CacheParts } from './cache-parts'
import type { L2Gateway } from './l2-gateway'
import type { L2Reader } from './l2-read'

/** The keys among `keys` whose entry carries `tag`: the L1 copy decides when there is one, else L2. */
export async function keysWithTag(
  keys: AsyncIterable<string>,
  tag: string,
  parts: CacheParts,
  gateway: L2Gateway,
  reads: L2Reader,
): Promise<string[]> {
  const { l1, l2, prefix } = parts
  const matches: string[] = []
  for await (const key of keys) {
    const fullKey = prefix + key
    if (l1?.get(key)?.tags.includes(tag)) {
      matches.push(key)
      continue
    }
    const bytes = l2 ? await gateway.call('get', (s) => s.get(fullKey), key) : undefined
    const entry = bytes ? await reads.open(fullKey, bytes, key) : undefined
    if (entry?.meta.tags.includes(tag)) matches.push(key)
  }
  return matches
}
