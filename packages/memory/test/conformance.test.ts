import { cacheConformance, storeConformance } from '@cache/conformance'
import { memoryL1, memoryStore } from '../src/index'

storeConformance('memoryStore', () => memoryStore())

const shared = memoryStore()
cacheConformance('memoryStore', () => shared, { makeL1: () => memoryL1() })

const sharedForTinyLfu = memoryStore()
cacheConformance('memoryStore + tinylfu L1', () => sharedForTinyLfu, {
  makeL1: () => memoryL1({ admission: 'tinylfu' }),
})
