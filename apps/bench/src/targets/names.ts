/** Name of our stack's target. */
export const OURS = 'ours (@cache/*)'

/** Names of the peer libraries (for "best peer" comparisons). */
export const PEERS = ['bentocache', 'cache-manager', 'cacheable', 'cachified'] as const
