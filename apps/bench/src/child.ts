import type { ChildResult, ChildSpec } from './lib/fork'
import { connectRedis, deletePrefix, REDIS_URL } from './lib/redis'
import {
  type LocalRedis,
  PRIVATE_REDIS_PORT,
  shapedBytes,
  shapeLoopback,
  startLocalRedis,
} from './lib/shaper'
import { loadTarget } from './targets/registry'
import type { BenchCache } from './targets/types'
import { WORKLOAD_LIST, WORKLOADS } from './workloads/registry'

async function main(spec: ChildSpec): Promise<ChildResult> {
  const workload = WORKLOADS[spec.workload]
  const target = await loadTarget(spec.target)
  if (!workload || !target) return { ok: false, error: `unknown workload or target: ${JSON.stringify(spec)}` }
  // Short (a real namespace is short too, and every L1 lookup hashes prefix + key) yet unique per child:
  // run id, then workload, target and repetition as one base-36 digit each.
  const code = (n: number) => n.toString(36)
  const prefix = `bench-${spec.runId}${code(WORKLOAD_LIST.indexOf(workload))}${code(workload.targets.indexOf(target.name))}${code(spec.rep)}:`
  const opened: BenchCache[] = []
  // In a private network (see runChild), this child's Redis is its own, behind the link the spec asks for.
  let privateRedis: LocalRedis | undefined
  try {
    if (spec.network) {
      privateRedis = await startLocalRedis(PRIVATE_REDIS_PORT)
      shapeLoopback(PRIVATE_REDIS_PORT, spec.network.megabitsPerSecond)
    }
    const metrics = await workload.run({
      quick: spec.quick,
      prefix,
      redisUrl: REDIS_URL,
      rep: spec.rep,
      runId: spec.runId,
      target: target.name,
      args: spec.args ?? {},
      async open(overrides = {}) {
        const cache = await target.create(workload.mode, {
          prefix: overrides.prefix ?? prefix,
          l1Items: workload.l1Items,
          redisUrl: overrides.redisUrl ?? REDIS_URL,
          quick: spec.quick,
          ...(workload.ours ? { ours: workload.ours } : {}),
        })
        opened.push(cache)
        return cache
      },
    })
    if (spec.network?.megabitsPerSecond !== undefined) {
      // What crossed the link, fill included: shows how much less a compressing target sends.
      const { fromPort, toPort } = shapedBytes()
      Object.assign(metrics, { linkBytesFromRedis: fromPort, linkBytesToRedis: toPort })
    }
    return { ok: true, metrics }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }
  } finally {
    // A client stuck on a dead connection must not keep the child alive.
    const closing = Promise.allSettled(opened.map((c) => c.close()))
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 2_000))])
    // The helper of a two-process run leaves cleanup to the main child; a private Redis ends with the child.
    if (workload.mode !== 'memory' && spec.args?.role !== 'helper' && !privateRedis) {
      const redis = connectRedis()
      await deletePrefix(redis, prefix).catch(() => {})
      redis.disconnect()
    }
    await privateRedis?.stop()
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec
const result = await main(spec)
if (process.send) process.send(result, () => process.exit(0))
else {
  console.log(JSON.stringify(result))
  process.exit(0)
}
