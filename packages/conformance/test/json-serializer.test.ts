import { jsonSerializer } from '@cache/core'
import { JSON_SERIALIZER_EXPECTATIONS, serializerConformance } from '../src/index'

serializerConformance('jsonSerializer', jsonSerializer, { expectations: JSON_SERIALIZER_EXPECTATIONS })
