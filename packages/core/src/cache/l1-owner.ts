import type { L1Tier } from '../contracts/l1'
import { ConfigurationError } from '../errors'

const owners = new WeakMap<L1Tier, object>()

/**
 * Marks `l1` as used by `owner` until {@link releaseL1}. A cache keys its L1 without the namespace
 * (a concatenated key costs a string flatten on every hit), so two caches on one tier would mix
 * their entries: the second one is refused instead.
 */
export function claimL1(l1: L1Tier, owner: object): void {
  const current = owners.get(l1)
  if (current !== undefined && current !== owner) {
    throw new ConfigurationError(
      `The l1 tier "${l1.name}" is already used by another open cache; give each cache its own L1 tier (for example its own memoryL1())`,
    )
  }
  owners.set(l1, owner)
}

/** Frees `l1` for another cache once `owner` is closed. */
export function releaseL1(l1: L1Tier, owner: object): void {
  if (owners.get(l1) === owner) owners.delete(l1)
}
