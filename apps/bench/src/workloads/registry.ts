import { w6, w6b } from './batch'
import { w1, w1b } from './memory'
import { w7 } from './outage'
import { w2, w5, w5Link } from './redis'
import { w4Memory, w4Redis, w4TwoProcesses } from './stampede'
import { w3 } from './tiered'
import type { Workload } from './types'

/** Every workload in run order. */
export const WORKLOAD_LIST: readonly Workload[] = [
  w1,
  w1b,
  w2,
  w3,
  w4Memory,
  w4Redis,
  w4TwoProcesses,
  w5,
  w5Link,
  w6,
  w6b,
  w7,
]

/** Workloads by id. */
export const WORKLOADS: Record<string, Workload> = Object.fromEntries(WORKLOAD_LIST.map((w) => [w.id, w]))
