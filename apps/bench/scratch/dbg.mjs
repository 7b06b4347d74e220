import { createCache } from '@cache/core'
import { memoryL1 } from '@cache/memory'

const l1 = memoryL1({ maxItems: 100 })
const cache = await createCache({ l1 })
for (let i = 0; i < 10; i++) await cache.set('k' + i, { a: i }, { ttl: 3600000 })
const e = l1.get('k3') % DebugPrint(e)
