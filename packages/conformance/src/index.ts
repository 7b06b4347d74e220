export { type CacheConformanceOptions, cacheConformance } from './cache-conformance'
export { compressorConformance, noiseBytes, proseBytes, sameBytes } from './compressor-conformance'
export {
  bytes,
  type CountedMethod,
  countingStore,
  randomNamespace,
  randomPrefix,
  text,
  waitFor,
} from './helpers'
export { JSON_SERIALIZER_EXPECTATIONS } from './json-expectations'
export {
  type SerializerConformanceOptions,
  type SerializerExpectation,
  serializerConformance,
  serializerTypeTable,
} from './serializer-conformance'
export { type StoreConformanceOptions, storeConformance } from './store-conformance'
export { TRICKY_VALUES, type TrickyValue } from './tricky-values'
