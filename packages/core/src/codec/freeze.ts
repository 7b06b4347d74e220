// Values this module has deep-frozen, so freezing one again costs a lookup. Roots only: one entry per
// L1 write, not one per nested object.
const deepFrozen = new WeakSet<object>()

// Below this depth nothing is tracked (plain data is shallow); past it, every object is, so a cycle ends.
const UNTRACKED_DEPTH = 32

// Objects already walked by the current call, made on first need: unfrozen shallow data never needs it.
let seen: Set<object> | undefined

/**
 * Deep-freezes plain data in place. Returns false as soon as it meets something freezing cannot
 * protect (Map, Set, Date, typed arrays, class instances); the caller then keeps bytes instead.
 */
export function deepFreeze(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true
  if (deepFrozen.has(value)) return true
  // Saved and restored: a getter read during the walk may freeze another value.
  const outer = seen
  seen = undefined
  try {
    if (!freezeTree(value, 0)) return false
  } finally {
    seen = outer
  }
  deepFrozen.add(value)
  return true
}

/**
 * Freezes `value` after its children. An object found frozen already is walked all the same: someone
 * else's `Object.freeze` is shallow, and skipping it would leave its nested objects mutable. `seen`
 * holds such objects and every object past {@link UNTRACKED_DEPTH}, so shared and cyclic parts are
 * walked at most twice.
 */
function freezeTree(value: object, depth: number): boolean {
  if (depth > UNTRACKED_DEPTH || Object.isFrozen(value)) {
    if (deepFrozen.has(value)) return true
    seen ??= new Set()
    if (seen.has(value)) return true
    seen.add(value)
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (item !== null && typeof item === 'object' && !freezeTree(item, depth + 1)) return false
    }
    Object.freeze(value)
    return true
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key]
    if (item !== null && typeof item === 'object' && !freezeTree(item, depth + 1)) return false
  }
  Object.freeze(value)
  return true
}
