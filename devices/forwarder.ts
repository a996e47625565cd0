import type { Outbox, OutboxRecord } from './outbox.js';

export interface ForwarderOptions {
  outbox: Outbox;
  /** Publishes one record with QoS 1; resolves on the broker's PUBACK. */
  publish(record: OutboxRecord): Promise<void>;
  /** Records in flight (published, not yet acknowledged) at most. */
  window: number;
  /** Backlog records sent per second at most; live records are not limited. */
  replayPerS: number;
  /** A backlog record to delete unsent (too old for the platform); checked as it is taken. */
  expired?(record: OutboxRecord): boolean;
  onExpired?(record: OutboxRecord): void;
  /** A monotonic clock in milliseconds (the wall clock may jump). */
  now?: () => number;
  onSent?(): void;
  onAcked?(): void;
  onFailed?(error: unknown): void;
}

/**
 * Moves records from the outbox to the broker while a connection is up. Records accepted since the
 * connection came up are "live" and go out at once; older ones are the backlog of an outage and are
 * replayed in order through a token bucket of `replayPerS`, so that a fleet coming back after a regional
 * power cut does not flood the broker, and a box a day behind still delivers its fresh heartbeats now.
 * A record leaves the outbox only on its PUBACK.
 */
export class Forwarder {
  private online = false;
  private liveFrom = 0;
  private inFlight = 0;
  private tokens = 0;
  private refilledAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ForwarderOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** The connection is up and born: start sending. */
  resume(): void {
    this.online = true;
    this.liveFrom = this.options.outbox.nextSeq();
    // A full bucket: a short backlog (a few beats before the birth) drains at once and in order.
    this.tokens = this.burst();
    this.refilledAt = this.now();
    this.pump();
  }

  /** The connection went away: stop sending (what is in flight completes or is resent by the link). */
  pause(): void {
    this.online = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sends what the window and the replay rate allow; call after every append. */
  pump(): void {
    const { outbox, window } = this.options;
    while (this.online && this.inFlight < window) {
      // The backlog first while the rate allows (so order holds whenever it can), live records otherwise.
      this.refill();
      let record = this.tokens >= 1 ? outbox.take(0, this.liveFrom) : undefined;
      if (record && this.options.expired?.(record) === true) {
        // Deleted without a token: dropping a week of expired backlog should not take a week of tokens.
        outbox.ack(record.seq);
        this.options.onExpired?.(record);
        continue;
      }
      if (record) this.tokens -= 1;
      else record = outbox.take(this.liveFrom, Number.POSITIVE_INFINITY);
      if (!record) {
        if (this.tokens < 1) this.wakeForToken();
        return;
      }
      this.send(record);
    }
  }

  private burst(): number {
    return Math.max(1, this.options.replayPerS);
  }

  private send(record: OutboxRecord): void {
    const o = this.options;
    this.inFlight += 1;
    o.onSent?.();
    o.publish(record).then(
      () => {
        o.outbox.ack(record.seq);
        o.onAcked?.();
        this.inFlight -= 1;
        this.pump();
      },
      (error: unknown) => {
        // The link stopped: the record stays in the outbox for the next run.
        o.outbox.release(record.seq);
        o.onFailed?.(error);
        this.inFlight -= 1;
      },
    );
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(
      this.burst(),
      this.tokens + ((now - this.refilledAt) / 1000) * this.options.replayPerS,
    );
    this.refilledAt = now;
  }

  private wakeForToken(): void {
    if (this.timer !== undefined) return;
    const wait = Math.ceil(((1 - this.tokens) / this.options.replayPerS) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, wait);
  }
}
