export { FFLATE_DEFAULTS, FFLATE_LEVELS } from './defaults'
export { type FflateCompressorOptions, fflateCompressor } from './fflate-compressor'
export { DecompressionLimitError } from './inflate-bounded'
