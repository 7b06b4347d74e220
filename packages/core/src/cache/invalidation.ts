import type { InvalidationMessage } from '../contracts/bus'
import type { L1Tier } from '../contracts/l1'

/** Drops the L1 copies another instance's message names; messages of other namespaces are ignored. */
export function applyInvalidation(l1: L1Tier, prefix: string, message: InvalidationMessage): void {
  if (message.kind === 'keys') {
    for (const key of message.keys) l1.delete(key)
  } else if (message.kind === 'clear') {
    if (message.prefix.startsWith(prefix) || prefix.startsWith(message.prefix)) l1.clear(message.prefix)
  } else if (message.kind === 'tags') {
    for (const fullKey of [...l1.keys()]) {
      const entry = l1.get(fullKey)
      if (entry?.tags.some((t) => message.tags.includes(t))) l1.delete(fullKey)
    }
  }
}
