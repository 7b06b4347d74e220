export { msgpackSerializer } from './msgpack-serializer'
