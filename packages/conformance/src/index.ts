export { type CacheConformanceOptions, cacheConformance } from './cache-conformance'
export { bytes, randomPrefix, text, waitFor } from './helpers'
export { type StoreConformanceOptions, storeConformance } from './store-conformance'
