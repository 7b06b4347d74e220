/** Raised when decompressing would produce more than the allowed bytes; nothing past the bound is kept. */
export class DecompressionLimitError extends RangeError {
  constructor(maxBytes: number, options?: { cause?: unknown }) {
    super(`Decompressed data exceeds the limit of ${maxBytes} bytes`, options)
    this.name = 'DecompressionLimitError'
  }
}
