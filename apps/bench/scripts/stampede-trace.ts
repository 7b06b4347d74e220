/*
 * Where a two-process stampede's time goes (W4-2proc with our stack): two forked processes, 500
 * `getOrSet` callers each on one cold key (20 ms loader), every store and lock call timestamped on one
 * clock (`performance.timeOrigin + performance.now()`), GC pauses observed. Each repetition is a pair of
 * fresh processes running, like the bench, a fresh round, then (unless --no-roles) the two role rounds, then
 * the traced round; the fresh round's lock holder is recorded, so rounds where the roles swapped show.
 *
 *   pnpm --filter @cache/bench stampede:trace                 # 8 pairs, W4-2proc's rounds
 *   pnpm --filter @cache/bench stampede:trace --no-roles      # without the role rounds (before session 23)
 *   pnpm --filter @cache/bench stampede:trace --rounds 20 --events   # and every event of each traced round
 *
 * Flags for V8 go before the script: `node --no-lazy --import tsx scripts/stampede-trace.ts`.
 */
import { fork } from 'node:child_process'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { crc32 } from 'node:zlib'
import { createCache, createCodec, type Lock, type Store } from '@cache/core'
import { memoryL1 } from '@cache/memory'
import { redisLock, redisStore } from '@cache/redis-ioredis'
import { REDIS_URL } from '../src/lib/redis'
import { median } from '../src/lib/stats'
import { sleepUntil, twoProcessSchedules } from '../src/workloads/stampede'

const CALLERS = 500
const LOADER_MS = 20

interface TraceEvent {
  at: number
  process: 'A' | 'B'
  what: string
}

interface Plan {
  name: 'A' | 'B'
  namespace: string
  /** Start of each round, epoch ms; the last is traced. */
  rounds: number[]
}

const now = () => performance.timeOrigin + performance.now()

/** Wraps every method of `target` so each call and its settling are logged. */
function traced<T extends object>(target: T, label: string, log: (what: string) => void): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const member = Reflect.get(object, property, receiver)
      if (typeof member !== 'function' || property === 'constructor') return member
      return (...args: unknown[]) => {
        log(`${label}.${String(property)} call`)
        const result = member.apply(object, args)
        if (!(result instanceof Promise)) return result
        return result.then(
          (settled: unknown) => {
            log(`${label}.${String(property)} done`)
            // A function handed back (the lock's release) is traced as a call of its own.
            return typeof settled === 'function'
              ? traced({ release: settled as (...a: unknown[]) => unknown }, label, log).release
              : settled
          },
          (error: unknown) => {
            log(`${label}.${String(property)} failed`)
            throw error
          },
        )
      }
    },
  })
}

async function child(plan: Plan): Promise<void> {
  const events: TraceEvent[] = []
  let tracing = false
  const log = (what: string) => {
    if (tracing) events.push({ at: now(), process: plan.name, what })
  }
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (tracing)
        events.push({
          at: performance.timeOrigin + entry.startTime,
          process: plan.name,
          what: `GC ${entry.duration.toFixed(2)} ms`,
        })
  }).observe({ entryTypes: ['gc'] })
  const store: Store = traced(redisStore({ url: REDIS_URL }), 'store', log)
  const lock: Lock = traced(redisLock({ url: REDIS_URL }), 'lock', log)
  const cache = await createCache({
    l1: memoryL1({ maxItems: 1_000 }),
    store,
    lock,
    codec: createCodec({ crc32 }),
    namespace: plan.namespace,
  })
  let loads = 0
  const loader = async () => {
    loads++
    log('loader start')
    await new Promise((resolve) => setTimeout(resolve, LOADER_MS))
    log('loader end')
    return { answer: 42 }
  }
  const loadsPerRound: number[] = []
  for (const [i, at] of plan.rounds.entries()) {
    await sleepUntil(at)
    tracing = i === plan.rounds.length - 1
    loads = 0
    log('start')
    const calls = Array.from({ length: CALLERS }, () => cache.getOrSet(`round${i}`, loader, { ttl: 60_000 }))
    log('calls made')
    await Promise.all(calls)
    log('done')
    loadsPerRound.push(loads)
  }
  await cache.close()
  process.send!({ events, loadsPerRound }, () => process.exit(0))
}

interface Report {
  events: TraceEvent[]
  loadsPerRound: number[]
}

async function pair(withRoles: boolean, id: string): Promise<{ a: Report; b: Report; startAt: number }> {
  const schedules = twoProcessSchedules(Date.now() + 1_500, withRoles)
  const plan = (name: 'A' | 'B', lead: number): Plan => {
    const { freshAt, roleRoundsAt, startAt } = schedules[lead]!
    return { name, namespace: `stampede-trace-${id}`, rounds: [freshAt, ...roleRoundsAt, startAt] }
  }
  const run = (p: Plan) =>
    new Promise<Report>((resolve, reject) => {
      const process = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(p)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      process.once('message', (report) => resolve(report as Report))
      process.once('exit', (code) =>
        reject(new Error(`process ${p.name} exited with ${code} before reporting`)),
      )
    })
  const [a, b] = await Promise.all([run(plan('A', 0)), run(plan('B', 1))])
  return { a, b, startAt: schedules[0].startAt }
}

/** When the first event named `what` (in `process`, if given) happened. */
function at(events: TraceEvent[], what: string, process?: 'A' | 'B'): number | undefined {
  return events.find((e) => e.what === what && (!process || e.process === process))?.at
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '8' },
      'no-roles': { type: 'boolean', default: false },
      events: { type: 'boolean', default: false },
    },
  })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds expects a positive whole number`)
  const withRoles = !values['no-roles']
  const totals: number[] = []
  console.log(
    'pair | total ms | holder (fresh round) | first call to loader ms | loader ms | SET ms | SET done to last caller ms | GC in round',
  )
  for (let r = 0; r < rounds; r++) {
    const { a, b, startAt } = await pair(withRoles, `${Date.now().toString(36)}${r}`)
    const events = [...a.events, ...b.events].sort((x, y) => x.at - y.at)
    const holder = a.loadsPerRound.at(-1) === 1 ? 'A' : 'B'
    const freshHolder = a.loadsPerRound[0] === 1 ? 'A' : 'B'
    const start = at(events, 'start', holder)!
    const loaderStart = at(events, 'loader start')!
    const loaderEnd = at(events, 'loader end')!
    const setCall = at(events, 'store.set call', holder)!
    const setDone = at(events, 'store.set done', holder)!
    const lastDone = Math.max(at(events, 'done', 'A')!, at(events, 'done', 'B')!)
    // As the bench counts it: each process from its own start, the slower one.
    const total = Math.max(
      at(events, 'done', 'A')! - at(events, 'start', 'A')!,
      at(events, 'done', 'B')! - at(events, 'start', 'B')!,
    )
    totals.push(total)
    const gc = events.filter((e) => e.what.startsWith('GC')).length
    console.log(
      [
        r,
        total.toFixed(1),
        `${holder} (${freshHolder}${holder === freshHolder ? ', kept' : ', swapped'})`,
        (loaderStart - start).toFixed(2),
        (loaderEnd - loaderStart).toFixed(2),
        (setDone - setCall).toFixed(2),
        (lastDone - setDone).toFixed(2),
        gc,
      ].join(' | '),
    )
    if (values.events)
      for (const e of events)
        console.log(`  ${(e.at - startAt).toFixed(2).padStart(7)} ${e.process} ${e.what}`)
  }
  console.log(
    `median total ${median(totals).toFixed(1)} ms (loader ${LOADER_MS} ms), ${withRoles ? 'with' : 'without'} role rounds`,
  )
}

const childAt = process.argv.indexOf('--child')
if (childAt >= 0) await child(JSON.parse(process.argv[childAt + 1]!) as Plan)
else await main()
