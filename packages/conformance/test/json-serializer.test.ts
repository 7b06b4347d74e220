import { jsonSerializer } from '@cache/core'
import { serializerConformance } from '../src/index'
import { JSON_EXPECTATIONS } from './json-expectations'

serializerConformance('jsonSerializer', jsonSerializer, { expectations: JSON_EXPECTATIONS })
