/** The shared Redis every test may use (never flushed: tests write under their own prefixes). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
