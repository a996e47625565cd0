import type { Logger } from '../runtime/index.js';
import type { MessageOf } from '../protocol/index.js';

/**
 * 2025-01-01T00:00:00Z. A device clock before it is taken as not set: a box without a real-time clock
 * boots in 1970 and keeps that time until NTP answers, and no Loa message can be older than Loa.
 */
export const CLOCK_FLOOR_MS = Date.UTC(2025, 0, 1);

/** Messages the agent stamps itself with `ts`. */
export type SelfStamped = 'heartbeat' | 'event';

/** At most this many messages wait for the clock (a day of heartbeats at the default interval). */
export const MAX_HELD = 1_440;

export interface ClockGate {
  /**
   * Stamps `message.ts` with the clock and hands it on, or, while the clock is not set, holds it in
   * memory until it is, then stamps it with the time it was submitted (the clock then, less the time
   * elapsed since, measured with the monotonic clock). Returns false if it could be neither (too many
   * held). What `accept` throws for this message is thrown here.
   */
  submit<C extends SelfStamped>(channel: C, message: MessageOf[C]): boolean;
  /** Whether the clock is set now (held messages are then handed on). */
  isSet(): boolean;
  /** Resolves once the clock is set (held messages are then handed on), or once `running()` is false. */
  whenSet(running: () => boolean): Promise<void>;
  /** Messages waiting for the clock. */
  held(): number;
  /** Drops what is held (the agent stops before the clock was set); returns how many. */
  discard(): number;
}

export interface ClockGateOptions {
  /** The device clock, milliseconds since the epoch. */
  clock: () => number;
  /** Milliseconds that only go forward (the clock may jump when NTP sets it, this does not). */
  monotonic?: () => number;
  /** Where a stamped message goes (the outbox); may throw a refusal. */
  accept<C extends SelfStamped>(channel: C, message: MessageOf[C]): void;
  logger: Logger;
  pollMs?: number;
}

interface Held {
  channel: SelfStamped;
  message: MessageOf[SelfStamped];
  at: number;
}

/**
 * Holds what the agent stamps itself while the device clock is before CLOCK_FLOOR_MS. A message stamped
 * 1970 would be refused by the platform (older than its retention) and its real time lost; stamped when
 * the clock is set, from the monotonic time elapsed since it was made, it keeps its real time. Held
 * messages live in memory only: a crash before the clock is set loses them, as they could not be
 * stamped anyway.
 */
export function createClockGate(options: ClockGateOptions): ClockGate {
  const monotonic = options.monotonic ?? (() => performance.now());
  const pollMs = options.pollMs ?? 1_000;
  let held: Held[] = [];
  let warned = false;

  const release = (now: number): void => {
    if (held.length === 0) return;
    const mono = monotonic();
    const waiting = held;
    held = [];
    options.logger.info({ held: waiting.length }, 'clock set: held messages stamped');
    for (const h of waiting) {
      const ts = Math.round(now - (mono - h.at));
      try {
        options.accept(h.channel, { ...h.message, ts });
      } catch (error) {
        // Refusals and a full outbox are counted and logged where they happen.
        options.logger.debug({ err: error, channel: h.channel }, 'held message not accepted');
      }
    }
  };

  const isSet = (): boolean => {
    const now = options.clock();
    if (now < CLOCK_FLOOR_MS) return false;
    warned = false;
    release(now);
    return true;
  };

  return {
    submit(channel, message) {
      if (isSet()) {
        options.accept(channel, { ...message, ts: options.clock() });
        return true;
      }
      if (!warned) {
        warned = true;
        options.logger.warn(
          { clock: new Date(options.clock()).toISOString() },
          'clock not set: holding timestamped messages until it is',
        );
      }
      if (held.length >= MAX_HELD) return false;
      held.push({ channel, message, at: monotonic() });
      return true;
    },
    async whenSet(running) {
      while (running() && !isSet()) await new Promise((resolve) => setTimeout(resolve, pollMs));
    },
    isSet,
    held: () => held.length,
    discard() {
      const n = held.length;
      held = [];
      return n;
    },
  };
}
