import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pickPort, type RedisServer, startRedisServer, tempDir } from './redis-process'

const run = promisify(execFile)

/** A local Redis Cluster of masters only, started by a test. */
export interface RedisCluster {
  readonly ports: readonly number[]
  readonly pids: readonly number[]
  stop(): Promise<void>
}

/**
 * Starts `masters` nodes with `redis-server --cluster-enabled yes` on free ports of the test range (the
 * cluster bus too), joins them with `redis-cli --cluster create` (no replicas) and waits until every node
 * reports `cluster_state:ok`. On failure, whatever was started is stopped before the error is rethrown.
 */
export async function startRedisCluster(masters: number): Promise<RedisCluster> {
  const dir = tempDir('cluster')
  const servers: RedisServer[] = []
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters; i++) {
      servers.push(
        await startRedisServer({
          sharedDir: dir,
          args: (port) => [
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(pickPort()),
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      )
    }
    const ports = servers.map((server) => server.port)
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    )
    await waitForClusterOk(ports, 30_000)
    return { ports, pids: servers.map((server) => server.pid), stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitForClusterOk(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const infos = await Promise.all(
      ports.map(async (port) => (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout),
    )
    const ready = infos.every(
      (info) =>
        info.includes('cluster_state:ok') &&
        info.includes('cluster_slots_ok:16384') &&
        info.includes(`cluster_known_nodes:${ports.length}`),
    )
    if (ready) return
    if (Date.now() > deadline) throw new Error(`cluster not ok within ${timeoutMs} ms:\n${infos.join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
