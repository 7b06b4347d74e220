/**
 * CPU ns and bytes allocated per codec call on W2's 1 KB object, no Redis ("nothing" is the loop's own cost):
 *   node --expose-gc --import tsx --conditions=source scripts/codec-micro.ts
 */
import { crc32 } from 'node:zlib'
import { createCodec } from '@cache/core'
import { kbObject } from '../src/lib/values'

const codec = createCodec({ crc32 })
const value = kbObject(7)
const meta = {
  createdAt: 1_700_000_000_000,
  expiresAt: 1_700_000_600_000,
  staleUntil: 1_700_000_600_000,
  tags: [],
}
const payload = codec.serializer.serialize(value)
const sealed = await codec.seal(payload, meta)
const n = 100_000

async function measure(name: string, op: () => unknown) {
  for (let i = 0; i < n / 4; i++) await op()
  global.gc!()
  const heap = () => process.memoryUsage().heapUsed
  // Sums heapUsed growth over slices of 64 calls; a slice with a collection in it counts as nothing, so
  // this slightly undercounts.
  let allocated = 0
  let last = heap()
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    await op()
    if ((i & 63) === 63) {
      const now = heap()
      if (now > last) allocated += now - last
      last = now
    }
  }
  const cpu = process.cpuUsage(before)
  console.log(
    `${name.padEnd(10)} ${(((cpu.user + cpu.system) / n) * 1000).toFixed(0).padStart(6)} ns  ~${Math.round(allocated / n)} B`,
  )
}

await measure('serialize', () => codec.serializer.serialize(value))
await measure('seal', () => codec.seal(payload, meta))
await measure('open', () => codec.open(sealed))
await measure('open+seal', async () => {
  await codec.open(sealed)
  return codec.seal(payload, meta)
})
await measure('deserialize', () => codec.serializer.deserialize(payload))
await measure('crc32', () => crc32(sealed))
await measure('nothing', () => 0)
