/**
 * Limits against misbehaving or hostile clients (issue #3, point 4). Each is a small in-memory structure
 * with a bounded size, so that what a hostile client sends cannot grow the broker's memory either.
 */

export { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './defaults.js';

/** Longest key kept (client ids and addresses come from the wire). */
const MAX_KEY_CHARS = 256;

/** Token buckets by key; a bucket that has refilled completely is forgotten, so idle devices cost nothing. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
    /** Beyond this many keys the oldest are forgotten (keys may come from the wire). */
    private readonly maxKeys = 200_000,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0 && this.burst > 0;
  }

  /** Takes one token; false when the bucket is empty. */
  take(key: string): boolean {
    if (!this.enabled) return true;
    const t = this.now();
    const bucket = this.buckets.get(key.slice(0, MAX_KEY_CHARS * 2));
    const tokens =
      bucket === undefined
        ? this.burst
        : Math.min(this.burst, bucket.tokens + ((t - bucket.at) * this.perSecond) / 1000);
    if (tokens < 1) {
      if (bucket) {
        bucket.tokens = tokens;
        bucket.at = t;
      }
      return false;
    }
    if (bucket) {
      bucket.tokens = tokens - 1;
      bucket.at = t;
    } else {
      this.buckets.set(key.slice(0, MAX_KEY_CHARS * 2), { tokens: tokens - 1, at: t });
      if (this.buckets.size > this.maxKeys) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
    }
    return true;
  }

  /** Forgets buckets that are full again. */
  prune(): void {
    const t = this.now();
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) * this.perSecond) / 1000 >= this.burst) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * Failed attempts per key in a fixed window: once a key has `max` failures in its window, it is blocked
 * until the window ends. Attempts still being checked count too (begin/end), so attempts sent in parallel
 * cannot all pass the "blocked?" test before the first failure is recorded. Successful attempts do not
 * count, so a reconnect storm of honest devices is never throttled.
 */
export class FailureThrottle {
  private readonly windows = new Map<string, { count: number; start: number }>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
    /** Beyond this many keys the oldest windows are dropped first (Map keeps insertion order). */
    private readonly maxKeys = 100_000,
  ) {}

  blocked(key: string): boolean {
    const k = key.slice(0, MAX_KEY_CHARS);
    return this.failures(k) + (this.inFlight.get(k) ?? 0) >= this.max;
  }

  /** Failures of `key` in its current window. */
  failures(key: string): number {
    const w = this.windows.get(key.slice(0, MAX_KEY_CHARS));
    if (w === undefined || this.now() - w.start >= this.windowMs) return 0;
    return w.count;
  }

  /** An attempt of `key` is being checked: it counts until end(). */
  begin(key: string): void {
    const k = key.slice(0, MAX_KEY_CHARS);
    this.inFlight.set(k, (this.inFlight.get(k) ?? 0) + 1);
  }

  end(key: string, failed: boolean): void {
    const k = key.slice(0, MAX_KEY_CHARS);
    const n = (this.inFlight.get(k) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(k);
    else this.inFlight.set(k, n);
    if (failed) this.fail(k);
  }

  fail(key: string): void {
    const k = key.slice(0, MAX_KEY_CHARS);
    const t = this.now();
    const w = this.windows.get(k);
    if (w === undefined || t - w.start >= this.windowMs) {
      this.windows.delete(k);
      this.windows.set(k, { count: 1, start: t });
      while (this.windows.size > this.maxKeys) {
        const oldest = this.windows.keys().next();
        if (oldest.done === true) break;
        this.windows.delete(oldest.value);
      }
      return;
    }
    w.count++;
  }

  prune(): void {
    const t = this.now();
    for (const [key, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}

/**
 * Reads MQTT fixed headers as bytes go by and reports the first packet whose declared length exceeds
 * `maxBytes`, before the parser buffers it (mqtt-packet itself would accept up to 256 MB). It only counts:
 * the parser still does the real parsing. A malformed length (more than four bytes) is reported too.
 */
export class PacketSizeGuard {
  /** 0: expecting a fixed header byte; 1: in the remaining length; 2: skipping the body. */
  private state: 0 | 1 | 2 = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private toSkip = 0;

  constructor(private readonly maxBytes: number) {}

  /** The oversize packet's declared size, `Infinity` for a malformed length, or undefined when all is well. */
  feed(chunk: Buffer): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 2) {
        const n = Math.min(this.toSkip, chunk.length - i);
        this.toSkip -= n;
        i += n;
        if (this.toSkip === 0) this.state = 0;
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.state === 0) {
        this.state = 1;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes >= 4) return Infinity;
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.maxBytes) return total;
      this.toSkip = this.length;
      this.state = this.toSkip === 0 ? 0 : 2;
    }
    return undefined;
  }
}
