import { compressorConformance } from '@cache/conformance'
import { zlibCompressor } from '../src/index'

compressorConformance('zlibCompressor (brotli)', () => zlibCompressor())
compressorConformance('zlibCompressor (deflate)', () => zlibCompressor({ algorithm: 'deflate' }))
