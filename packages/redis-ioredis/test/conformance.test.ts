import { cacheConformance, storeConformance } from '@cache/conformance'
import { memoryL1 } from '@cache/memory'
import { redisStore } from '../src/index'
import { REDIS_URL } from './helpers/redis-url'

// Every test of both suites writes under its own random prefix, so the shared Redis is never flushed.
storeConformance('redisStore (standalone)', () => redisStore({ url: REDIS_URL }))

cacheConformance('redisStore (standalone)', () => redisStore({ url: REDIS_URL }), {
  makeL1: () => memoryL1(),
})
