import type { EntryMeta } from '../contracts/codec'

/**
 * An entry's metadata as core builds it: a class rather than an object literal. V8 tracks where each
 * literal is allocated, and when most objects from one site are still alive at a young-generation GC (a
 * burst of concurrent calls right after start-up does that), it allocates every later object of that
 * site in the old generation, for the life of the process. Objects that live for one call then cost
 * full GCs instead of cheap ones (W6 lost about a third of its throughput in runs where that happened).
 * Class instances are never pretenured this way.
 */
export class Meta implements EntryMeta {
  constructor(
    public createdAt: number,
    public expiresAt: number,
    public staleUntil: number,
    public tags: readonly string[],
  ) {}
}
