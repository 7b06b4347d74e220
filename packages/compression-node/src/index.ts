export { DecompressionLimitError } from './decompression-limit-error'
export { BROTLI_LEVELS, DEFLATE_LEVELS, ZLIB_DEFAULTS } from './defaults'
export { type ZlibAlgorithm, type ZlibCompressorOptions, zlibCompressor } from './zlib-compressor'
