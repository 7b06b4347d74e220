import type { L1Tier } from '../contracts/l1'
import type { GuardedStore } from '../resilience/guarded-store'
import { withTimeout } from '../resilience/with-timeout'

/** Health of one tier. */
export interface TierHealth {
  status: 'healthy' | 'degraded' | 'unhealthy'
  latencyMs?: number
  circuit?: string
  error?: string
}

/** Result of `cache.health()`. */
export interface CacheHealth {
  status: 'healthy' | 'degraded' | 'unhealthy'
  tiers: { l1?: TierHealth; l2?: TierHealth }
}

/**
 * Pings L2 (bypassing an open circuit, so health shows recovery first) and rates the cache:
 * healthy, degraded (L2 down or circuit open while L1 serves) or unhealthy (nothing serves).
 */
export async function checkHealth(
  l1: L1Tier | undefined,
  l2: GuardedStore | undefined,
  timeoutMs: number,
): Promise<CacheHealth> {
  const tiers: CacheHealth['tiers'] = {}
  if (l1) tiers.l1 = { status: 'healthy' }
  if (l2) {
    const circuit = l2.breaker.state
    try {
      const latencyMs = await withTimeout(l2.store.ping(), timeoutMs, `${l2.store.name} ping`)
      tiers.l2 = { status: circuit === 'closed' ? 'healthy' : 'degraded', latencyMs, circuit }
    } catch (error) {
      tiers.l2 = { status: 'unhealthy', circuit, error: (error as Error).message }
    }
  }
  const l2Status = tiers.l2?.status ?? 'healthy'
  const status = l2Status === 'healthy' ? 'healthy' : l1 ? 'degraded' : l2Status
  return { status, tiers }
}
