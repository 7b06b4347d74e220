/** Name of our stack's target. */
export const OURS = 'ours (@cache/*)'
/** Our stack with the workload's compression turned off (W5: what compression costs). */
export const OURS_NO_COMPRESSION = 'ours (no compression)'
/** Our stack compressing as hard as it can (W5: the smallest entries, at any CPU cost). */
export const OURS_MAX_COMPRESSION = 'ours (max compression)'

/** Names of the peer libraries (for "best peer" comparisons). */
export const PEERS = ['bentocache', 'cache-manager', 'cacheable', 'cachified'] as const
