export { L1_DEFAULTS, STORE_DEFAULTS } from './defaults'
export { MemoryL1, memoryL1 } from './memory-l1'
export { MemoryStore, memoryStore } from './memory-store'
export type { L1Options, MemoryBounds } from './options'
