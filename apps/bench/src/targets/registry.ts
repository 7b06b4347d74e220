import { handRolledTarget, ioredisAutoTarget, ioredisTarget, lruCacheTarget } from './bare'
import { bentocacheTarget } from './bentocache'
import { cachifiedTarget } from './cachified'
import { cacheableTarget, cacheManagerTarget } from './keyv-based'
import { oursMaxCompressionTarget, oursNoCompressionTarget, oursTarget } from './ours'
import type { TargetDefinition } from './types'

/** Every target, by name. */
export const TARGETS: Record<string, TargetDefinition> = Object.fromEntries(
  [
    lruCacheTarget,
    ioredisTarget,
    ioredisAutoTarget,
    handRolledTarget,
    oursTarget,
    oursNoCompressionTarget,
    oursMaxCompressionTarget,
    bentocacheTarget,
    cacheManagerTarget,
    cacheableTarget,
    cachifiedTarget,
  ].map((t) => [t.name, t]),
)
