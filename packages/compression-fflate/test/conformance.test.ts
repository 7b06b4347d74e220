import { compressorConformance } from '@cache/conformance'
import { fflateCompressor } from '../src/index'

compressorConformance('fflateCompressor', () => fflateCompressor())
