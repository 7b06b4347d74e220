import { OURS, OURS_MAX_COMPRESSION, OURS_NO_COMPRESSION } from './names'
import type { TargetDefinition } from './types'

/**
 * Every target's module, by target name. A child imports only the one it runs: loading every peer
 * library took about 0.2 s of each of the ~200 child processes of a full run.
 */
const LOADERS: Record<string, () => Promise<TargetDefinition>> = {
  'lru-cache': () => import('./bare').then((m) => m.lruCacheTarget),
  ioredis: () => import('./bare').then((m) => m.ioredisTarget),
  'ioredis (auto-pipelining)': () => import('./bare').then((m) => m.ioredisAutoTarget),
  'hand-rolled lru+ioredis': () => import('./bare').then((m) => m.handRolledTarget),
  [OURS]: () => import('./ours').then((m) => m.oursTarget),
  [OURS_NO_COMPRESSION]: () => import('./ours').then((m) => m.oursNoCompressionTarget),
  [OURS_MAX_COMPRESSION]: () => import('./ours').then((m) => m.oursMaxCompressionTarget),
  bentocache: () => import('./bentocache').then((m) => m.bentocacheTarget),
  'cache-manager': () => import('./keyv-based').then((m) => m.cacheManagerTarget),
  cacheable: () => import('./keyv-based').then((m) => m.cacheableTarget),
  cachified: () => import('./cachified').then((m) => m.cachifiedTarget),
}

/** The target called `name` (its module imported now), or `undefined` for an unknown name. */
export async function loadTarget(name: string): Promise<TargetDefinition | undefined> {
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined
  const target = await load?.()
  if (target && target.name !== name) throw new Error(`target registry: ${name} loads ${target.name}`)
  return target
}
