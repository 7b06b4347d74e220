/** A deterministic stand-in for a slow weather API (~200 ms per call). */
export interface Weather {
  city: string
  tempC: number
  conditions: string
  fetchedAt: string
}

const CONDITIONS = ['sunny', 'cloudy', 'rain', 'snow', 'windy', 'fog']

/** Fetches the weather of `city` from the simulated upstream. */
export async function fetchWeather(city: string, latencyMs = 200): Promise<Weather> {
  await new Promise((resolve) => setTimeout(resolve, latencyMs))
  let hash = 0
  for (const char of city.toLowerCase()) hash = (hash * 31 + char.charCodeAt(0)) >>> 0
  return {
    city,
    tempC: (hash % 40) - 5,
    conditions: CONDITIONS[hash % CONDITIONS.length]!,
    fetchedAt: new Date().toISOString(),
  }
}
