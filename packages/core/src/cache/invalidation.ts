import type { InvalidationMessage } from '../contracts/bus'
import type { L1Tier } from '../contracts/l1'
import type { WriteLog } from './write-log'

/**
 * Drops the L1 copies another instance's message names. Messages carry full L2 keys (`namespace:key`)
 * while L1 holds this cache's keys without the namespace: other namespaces' keys are ignored.
 */
export function applyInvalidation(l1: L1Tier, prefix: string, message: InvalidationMessage): void {
  if (message.kind === 'keys') {
    for (const fullKey of message.keys)
      if (fullKey.startsWith(prefix)) l1.delete(fullKey.slice(prefix.length))
  } else if (message.kind === 'clear') {
    if (prefix.startsWith(message.prefix)) l1.clear()
    else if (message.prefix.startsWith(prefix)) l1.clear(message.prefix.slice(prefix.length))
  } else if (message.kind === 'tags') {
    // Tags are per namespace: another namespace on the same bus keeps its entries.
    if (prefix !== `${message.namespace}:`) return
    for (const key of [...l1.keys()]) {
      const entry = l1.get(key)
      if (entry?.tags.some((t) => message.tags.includes(t))) l1.delete(key)
    }
  }
}

/** Logs the writes another instance's message names (see `WriteLog`), with or without an L1. */
export function logInvalidation(log: WriteLog, prefix: string, message: InvalidationMessage): void {
  if (message.kind === 'keys') {
    for (const fullKey of message.keys)
      if (fullKey.startsWith(prefix)) log.touch(fullKey.slice(prefix.length))
  } else if (message.kind === 'clear') {
    if (prefix.startsWith(message.prefix) || message.prefix.startsWith(prefix)) log.touchAll()
  } else if (message.kind === 'tags' && prefix === `${message.namespace}:`) log.touchTags(message.tags)
}
