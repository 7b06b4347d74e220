/** Tokens an answer cost upstream, read from the provider's `usage` field. */
export interface TokenUsage {
  inputTokens: number
  outputTokens: number
}

/** Price of one model, in US dollars per million tokens. */
export interface ModelPrice {
  inputUsdPerMillionTokens: number
  outputUsdPerMillionTokens: number
}

/** Prices by model name, supplied by the user (prices change; the library ships none). */
export type PriceTable = Readonly<Record<string, ModelPrice>>

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined

/** Reads OpenAI (`prompt_tokens`/`completion_tokens`) or Anthropic (`input_tokens`/`output_tokens`) usage. */
function readUsage(usage: unknown, into: Partial<TokenUsage>): void {
  if (typeof usage !== 'object' || usage === null) return
  const u = usage as Record<string, unknown>
  const input = count(u.prompt_tokens) ?? count(u.input_tokens)
  const output = count(u.completion_tokens) ?? count(u.output_tokens)
  if (input !== undefined) into.inputTokens = input
  if (output !== undefined) into.outputTokens = output
}

function complete(usage: Partial<TokenUsage>): TokenUsage | undefined {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined
  return { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 }
}

/** Usage of a whole response, or `undefined` when it carries none. */
export function extractUsage(response: unknown): TokenUsage | undefined {
  const usage: Partial<TokenUsage> = {}
  readUsage((response as { usage?: unknown } | null | undefined)?.usage, usage)
  return complete(usage)
}

/**
 * Usage of a streamed answer: OpenAI sends it on the last chunk (with `stream_options.include_usage`),
 * Anthropic sends input tokens in `message_start` and cumulative output tokens in `message_delta`.
 */
export function extractStreamUsage(chunks: readonly unknown[]): TokenUsage | undefined {
  const usage: Partial<TokenUsage> = {}
  for (const chunk of chunks) {
    if (typeof chunk !== 'object' || chunk === null) continue
    const c = chunk as { usage?: unknown; message?: { usage?: unknown } }
    readUsage(c.message?.usage, usage)
    readUsage(c.usage, usage)
  }
  return complete(usage)
}

/** Dollars `usage` would cost with `model`'s price, or 0 when the model has no price. */
export function costUsd(
  usage: TokenUsage | undefined,
  model: string | undefined,
  prices?: PriceTable,
): number {
  const price = model === undefined ? undefined : prices?.[model]
  if (!usage || !price) return 0
  return (
    (usage.inputTokens * price.inputUsdPerMillionTokens +
      usage.outputTokens * price.outputUsdPerMillionTokens) /
    1_000_000
  )
}
