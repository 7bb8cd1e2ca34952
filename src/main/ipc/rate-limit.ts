/**
 * Token-bucket rate limiter, one bucket per (sender, channel). Guarantees that a sender gets at most
 * `burst` calls at once and `perSecond` on average, whatever it sends; excess calls are refused before
 * any parsing work is spent on them. The clock is injected so tests run without waiting.
 */
export interface RateSpec {
  readonly perSecond: number;
  readonly burst: number;
}

export type Clock = () => number; // milliseconds, monotonic

interface Bucket {
  tokens: number;
  last: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: Clock;
  readonly #maxKeys: number;

  constructor(now: Clock = () => performance.now(), maxKeys = 1024) {
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token; false when the bucket is empty. */
  take(key: string, spec: RateSpec): boolean {
    const t = this.#now();
    let b = this.#buckets.get(key);
    if (!b) {
      // Bound memory: senders come and go (reloads), so forget the oldest bucket first.
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      b = { tokens: spec.burst, last: t };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(spec.burst, b.tokens + ((t - b.last) / 1000) * spec.perSecond);
    b.last = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
