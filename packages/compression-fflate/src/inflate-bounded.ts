import { Inflate } from 'fflate'

/** Raised when inflating would produce more than the allowed bytes; nothing past the bound is kept. */
export class DecompressionLimitError extends RangeError {
  constructor(maxBytes: number) {
    super(`Decompressed data exceeds the limit of ${maxBytes} bytes`)
    this.name = 'DecompressionLimitError'
  }
}

/*
 * Deflate expands at most ~1032x, so feeding small input slices caps what one step can produce:
 * the bound is checked after each step and at most one step's output (<= ~1032 * step bytes) is ever
 * held beyond it. Slices scale with the bound (1/4096 of it) between 512 B and 16 KiB.
 */
export function inputStepBytes(maxBytes: number): number {
  return Math.min(16_384, Math.max(512, Math.floor(maxBytes / 4096)))
}

/**
 * Inflates raw deflate `input`, streaming, and aborts as soon as the output passes `maxBytes`
 * (a decompression bomb is never inflated in full). Throws on a truncated or corrupt stream.
 * `onStep` sees the output size after each step (for tests).
 */
export function inflateBounded(
  input: Uint8Array,
  maxBytes: number,
  onStep?: (outputBytes: number) => void,
): Uint8Array {
  const chunks: Uint8Array[] = []
  let total = 0
  let finished = false
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length
    onStep?.(total)
    if (total > maxBytes) throw new DecompressionLimitError(maxBytes)
    if (chunk.length > 0) chunks.push(chunk)
    if (final) finished = true
  })
  const step = inputStepBytes(maxBytes)
  let offset = 0
  do {
    const end = Math.min(offset + step, input.length)
    // The last push is marked final, so fflate rejects a stream that stops early.
    inflater.push(input.subarray(offset, end), end === input.length)
    offset = end
  } while (offset < input.length)
  if (!finished) throw new Error('Truncated deflate stream')
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
