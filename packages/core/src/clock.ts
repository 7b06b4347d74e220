/** Returns the current time in epoch milliseconds; injectable so TTL tests need no sleeping. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()
