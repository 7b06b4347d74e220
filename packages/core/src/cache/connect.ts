import { InfrastructureError } from '../errors'
import { withTimeout } from '../resilience/with-timeout'
import type { BusLink } from './bus-link'
import type { CacheParts } from './cache-parts'

/**
 * Pings L2 and subscribes to the bus, each within the connect timeout. A failure closes the cache and
 * throws with `failOnConnectionError`; otherwise it is reported (an unreachable L2 also opens the circuit).
 */
export async function connectTiers(
  parts: CacheParts,
  bus: BusLink,
  close: () => Promise<void>,
): Promise<void> {
  const { l2, options } = parts
  if (l2) {
    const store = l2.store
    try {
      await withTimeout(store.ping(), options.connectTimeoutMs, `${store.name} ping`)
    } catch (error) {
      if (options.failOnConnectionError) {
        await close()
        throw new InfrastructureError(`Cannot reach ${store.name} at start`, 'CONNECTION', { cause: error })
      }
      l2.breaker.trip()
      parts.emitError(error, 'l2', 'connect')
    }
  }
  if (parts.bus) {
    try {
      await bus.subscribe()
    } catch (error) {
      if (options.failOnConnectionError) {
        await close()
        throw new InfrastructureError('Cannot subscribe to the invalidation bus', 'CONNECTION', {
          cause: error,
        })
      }
      parts.emitError(error, 'bus', 'connect')
    }
  }
}
