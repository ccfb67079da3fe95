// Retries with exponential backoff, for RPC calls that fail for reasons that pass: a dropped
// connection, a timeout, a rate limit, a gateway error. Anything else (a revert, bad input) fails
// at once: retrying it would only repeat it.

const TRANSIENT_CODES = new Set(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN"]);
const TRANSIENT_TEXT = /timeout|timed out|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|rate limit|too many requests|\b(429|502|503|504)\b/i;

export function isTransient(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && TRANSIENT_CODES.has(e.code)) return true;
  return typeof e?.message === "string" && TRANSIENT_TEXT.test(e.message) && !/revert/i.test(e.message);
}

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  /** Delay before the first retry; each next one doubles it. */
  baseDelayMs: number;
  /** Called before each retry (for logging). */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= options.retries || !isTransient(error)) throw error;
      const delayMs = options.baseDelayMs * 2 ** attempt;
      options.onRetry?.(attempt + 1, delayMs, error);
      await (options.sleep ?? sleep)(delayMs);
    }
  }
}
