/**
 * Deep-freezes plain data in place. Returns false as soon as it meets something freezing cannot
 * protect (Map, Set, Date, typed arrays, class instances); the caller then keeps bytes instead.
 */
export function deepFreeze(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true
  if (Object.isFrozen(value)) return true
  if (Array.isArray(value)) {
    for (const item of value) if (!deepFreeze(item)) return false
    Object.freeze(value)
    return true
  }
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return false
  for (const key in value) {
    if (!deepFreeze((value as Record<string, unknown>)[key])) return false
  }
  Object.freeze(value)
  return true
}
