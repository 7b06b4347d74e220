import type { EntryMeta } from '../contracts/codec'

/**
 * An entry's metadata as core builds it: a class rather than an object literal. V8 tracks where each
 * literal (object or array) is allocated, and when most objects from one site survive a GC, it allocates
 * every later object of that site in the old generation, for the life of the process. A full GC whose
 * marking overlaps a burst of concurrent calls does that: what a call stored in a long-lived queue while
 * marking ran survives it, even if dead by its end (W2 met it during its fill). Objects that live
 * for one call then cost full GCs instead of cheap ones (W6 lost about a third of its throughput in runs
 * where that happened). Class instances, `Array.of` and builtins' arrays are never pretenured this way.
 */
export class Meta implements EntryMeta {
  constructor(
    public createdAt: number,
    public expiresAt: number,
    public staleUntil: number,
    public tags: readonly string[],
  ) {}
}
