import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The demo as users run it (`REDIS_URL=... pnpm demo`), in its own process, against a redis-server
// this test starts on a private port and kills and restarts while the demo keeps serving.
const REDIS_PORT = 7150
const demoDir = fileURLToPath(new URL('..', import.meta.url))
const namespace = `demo-redis-${process.pid}`
const processes: ChildProcess[] = []

function startRedis(): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  )
  processes.push(child)
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)))
  })
}

async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  child.kill(signal)
  return exited
}

const redisCli = (...args: string[]) =>
  execFileSync('redis-cli', ['-p', String(REDIS_PORT), ...args], { encoding: 'utf8' }).trim()

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('demo on L1 + Redis + bus (REDIS_URL)', () => {
  let redis: ChildProcess
  let demo: ChildProcess
  let base: string
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`)
    return { status: response.status, body: await response.json() }
  }

  beforeAll(async () => {
    redis = await startRedis()
    demo = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: demoDir,
      env: {
        ...process.env,
        PORT: '0',
        REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`,
        CACHE_NAMESPACE: namespace,
        CACHE_CIRCUIT_RECOVERY: '1s',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    processes.push(demo)
    base = await new Promise<string>((resolve, reject) => {
      let output = ''
      demo.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+), cache (.*?) \(/.exec(output)
        if (match) {
          expect(match[2]).toBe('L1 + Redis + pub/sub bus + lock')
          resolve(match[1]!)
        }
      })
      demo.once('exit', (code) => reject(new Error(`demo exited (${code})`)))
    })
  })

  afterAll(async () => {
    for (const child of processes) await kill(child)
  })

  it('caches in Redis, keeps answering while Redis is down, and recovers when it returns', async () => {
    const health = await get('/health/cache')
    expect(health.body.status).toBe('healthy')
    expect(health.body.tiers.l2.status).toBe('healthy')
    expect((await get('/weather/Paris')).body.cache).toBe('miss')
    expect((await get('/weather/paris')).body.cache).toBe('hit')
    expect(redisCli('EXISTS', `${namespace}:weather:paris`)).toBe('1')

    await kill(redis)
    // Redis is gone: cached data still comes from L1, new writes are accepted, health says degraded.
    const started = performance.now()
    const cached = await get('/weather/paris')
    expect(cached.status).toBe(200)
    expect(cached.body.cache).toBe('hit')
    const created = await fetch(`${base}/sessions`, {
      method: 'POST',
      body: JSON.stringify({ user: 'written-during-outage' }),
    })
    expect(created.status).toBe(201)
    const session = await created.json()
    expect((await get(`/sessions/${session.id}`)).body.user).toBe('written-during-outage')
    expect((await get('/weather/Berlin')).status).toBe(200)
    const down = await get('/health/cache')
    expect(down.status).toBe(200)
    expect(down.body.status).toBe('degraded')
    console.info(`demo: five requests during the outage took ${(performance.now() - started).toFixed(0)} ms`)

    redis = await startRedis()
    await waitFor(async () => (await get('/health/cache')).body.status === 'healthy', 'the demo to recover')
    await waitFor(async () => (await get('/stats')).body.pendingWrites === 0, 'outage writes to be replayed')
    // The restarted Redis started empty: the session is there because the outage write was replayed.
    expect(redisCli('EXISTS', `${namespace}:session:${session.id}`)).toBe('1')
    expect((await get('/weather/Rome')).body.cache).toBe('miss')
    expect(redisCli('EXISTS', `${namespace}:weather:rome`)).toBe('1')
  })

  it('shuts down cleanly on SIGTERM', async () => {
    expect(await kill(demo, 'SIGTERM')).toBe(0)
  })
})
