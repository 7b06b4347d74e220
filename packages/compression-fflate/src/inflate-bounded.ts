import { Inflate, inflateSync } from 'fflate'

/** Raised when inflating would produce more than the allowed bytes; nothing past the bound is kept. */
export class DecompressionLimitError extends RangeError {
  constructor(maxBytes: number) {
    super(`Decompressed data exceeds the limit of ${maxBytes} bytes`)
    this.name = 'DecompressionLimitError'
  }
}

/** Deflate's largest expansion: a 258-byte match coded in 2 bits (zlib's 1032:1). */
const MAX_EXPANSION = 1032

/*
 * Deflate expands at most ~1032x, so feeding small input slices caps what one step can produce:
 * the bound is checked after each step and at most one step's output (<= ~1032 * step bytes) is ever
 * held beyond it. Slices scale with the bound (1/4096 of it) between 512 B and 16 KiB.
 */
export function inputStepBytes(maxBytes: number): number {
  return Math.min(16_384, Math.max(512, Math.floor(maxBytes / 4096)))
}

/**
 * Inflates raw deflate `input` and throws `DecompressionLimitError` as soon as the output passes
 * `maxBytes` (a decompression bomb is never inflated in full). Throws on a truncated or corrupt stream.
 * `onStep` sees the output size after each step (for tests).
 */
export function inflateBounded(
  input: Uint8Array,
  maxBytes: number,
  onStep?: (outputBytes: number) => void,
): Uint8Array {
  if (input.length * MAX_EXPANSION <= maxBytes) {
    const out = inflateIntoScratch(input, onStep)
    if (out) return out
  }
  return inflateStreaming(input, maxBytes, onStep)
}

/** Feeds fflate's streaming `Inflate` input slices, checking the bound after each. */
function inflateStreaming(
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

/** Size of the reused output buffer: entries that inflate to less are read in one call. */
const SCRATCH_BYTES = 1024 * 1024

/** Inputs above this likely inflate past the scratch buffer (8x), so they stream straight away. */
const LARGEST_SCRATCH_INPUT = SCRATCH_BYTES / 8

let scratch: Uint8Array | undefined

/*
 * An input that cannot inflate past the bound (<= 1/1032 of it) is first inflated in one call into a
 * reused buffer: fflate stops writing at the buffer's end, so a shorter result is the whole output (and
 * only bytes written by this call are returned). Without it, fflate zero-fills 128 KiB per call and its
 * streaming API reallocates on every push: 3-10x the CPU on 1-50 KB entries, ~1.3x on 100 KB ones.
 * Returns undefined when the output did not fit, and the input streams instead.
 */
function inflateIntoScratch(
  input: Uint8Array,
  onStep?: (outputBytes: number) => void,
): Uint8Array | undefined {
  // fflate returns the buffer untouched for empty input, which would read as that many bytes.
  if (input.length === 0) throw new Error('Truncated deflate stream')
  if (input.length > LARGEST_SCRATCH_INPUT) return undefined
  // Deflate's output is at most 1032x its input: a buffer one byte larger always shows where it ends.
  const ceiling = input.length * MAX_EXPANSION + 1
  const size = Math.min(ceiling, SCRATCH_BYTES)
  scratch ??= new Uint8Array(SCRATCH_BYTES)
  let out: Uint8Array
  try {
    out = inflateSync(input, { out: scratch.subarray(0, size) })
  } catch (error) {
    // A stored block that does not fit throws instead of being cut.
    if (error instanceof RangeError) return undefined
    throw error
  }
  onStep?.(out.length)
  if (out.length < size) return out.slice()
  if (size === ceiling) throw new Error('Deflate stream expands beyond 1032:1')
  return undefined
}
