import { serializerConformance } from '@cache/conformance'
import { msgpackSerializer } from '../src/index'
import { MSGPACK_EXPECTATIONS } from './expectations'

serializerConformance('msgpackSerializer', msgpackSerializer, { expectations: MSGPACK_EXPECTATIONS })
