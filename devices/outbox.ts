import type { Logger } from '../runtime/index.js';

/** The channels that go through the outbox; presence (`state`, `meta`) is per connection and never queued. */
export type QueuedChannel = 'heartbeat' | 'broadcast' | 'event';
export const QUEUED_CHANNELS: readonly QueuedChannel[] = ['heartbeat', 'broadcast', 'event'];

export interface OutboxRecord {
  /** Position in the outbox: increases by one per accepted message, never reused. */
  readonly seq: number;
  readonly channel: QueuedChannel;
  readonly payload: Buffer;
}

export interface OutboxStats {
  /** Messages accepted and not yet acknowledged by the broker. */
  records: number;
  /** Bytes the outbox holds (on disk, or in memory). */
  bytes: number;
  /** Old heartbeats removed to make room. */
  thinned: number;
  /** Records found damaged at start-up and skipped. */
  corrupt: number;
}

/**
 * The agent's store-and-forward queue: every heartbeat, broadcast and event is appended here before it
 * is sent, and removed only once the broker has acknowledged it.
 */
export interface Outbox {
  /** Recovers what a previous run left (no-op in memory). Must resolve before anything else is called. */
  open(): Promise<void>;
  /**
   * Accepts one message; when this returns, the message survives a crash of the process (see the fsync
   * policy of the disk outbox for power loss). A heartbeat that finds the outbox full after thinning
   * returns undefined (dropped); a broadcast or event throws OutboxFullError, so the caller keeps it.
   */
  append(channel: QueuedChannel, payload: Buffer): number | undefined;
  /** The oldest record not in flight with `seq` in [from, below), marked in flight; undefined if none. */
  take(from: number, below: number): OutboxRecord | undefined;
  /** A record taken but not sent (the link went away): it becomes eligible again. */
  release(seq: number): void;
  /** The broker acknowledged the record: it is deleted. */
  ack(seq: number): void;
  /** The seq the next append will get. */
  nextSeq(): number;
  stats(): OutboxStats;
  close(): Promise<void>;
}

/** A broadcast or event that cannot be accepted: the outbox is at its bound with no heartbeat left to thin. */
export class OutboxFullError extends Error {
  constructor(readonly channel: QueuedChannel) {
    super(`${channel} refused: the outbox is full`);
    this.name = 'OutboxFullError';
  }
}

export interface Entry {
  seq: number;
  channel: QueuedChannel;
  inFlight: boolean;
  acked: boolean;
}

/**
 * The index both outboxes share: entries in seq order, acknowledged ones removed from the head. Acks
 * arrive nearly in order (one connection, a small window), so the scans below stay short.
 */
export class EntryQueue<E extends Entry> {
  private items: E[] = [];
  private head = 0;
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(entry: E): void {
    this.items.push(entry);
    this.live += 1;
  }

  first(): E | undefined {
    return this.items[this.head];
  }

  find(seq: number): E | undefined {
    let lo = this.head;
    let hi = this.items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const item = this.at(mid);
      if (item.seq === seq) return item;
      if (item.seq < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** The first entry with seq ≥ from, not in flight and not acknowledged, if its seq is below `below`. */
  nextEligible(from: number, below: number): E | undefined {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.items.length; i++) {
      const item = this.at(i);
      if (item.seq >= below) return undefined;
      if (!item.inFlight && !item.acked) return item;
    }
    return undefined;
  }

  /** Marks an entry acknowledged; returns it, or undefined if unknown or already acknowledged. */
  ack(seq: number): E | undefined {
    const item = this.find(seq);
    if (!item || item.acked) return undefined;
    item.acked = true;
    item.inFlight = false;
    this.live -= 1;
    this.compact();
    return item;
  }

  /** Removes entries for which `drop` holds (never in flight); returns them. */
  remove(drop: (entry: E) => boolean): E[] {
    const removed: E[] = [];
    const kept: E[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.at(i);
      if (!item.acked && !item.inFlight && drop(item)) removed.push(item);
      else if (!item.acked) kept.push(item);
    }
    this.items = kept;
    this.head = 0;
    this.live = kept.length;
    return removed;
  }

  /** Live entries, oldest first. */
  *values(): IterableIterator<E> {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.at(i);
      if (!item.acked) yield item;
    }
  }

  /** An index known to be in range (the loops above check it). */
  private at(i: number): E {
    const item = this.items[i];
    if (item === undefined) throw new Error(`outbox index ${i} out of range`);
    return item;
  }

  private compact(): void {
    while (this.head < this.items.length && this.at(this.head).acked) this.head += 1;
    // Drop the consumed prefix now and then, not on every ack.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Picks which heartbeats make room (the thinning rule, shared by both outboxes): among the given
 * candidates (the oldest heartbeats, in order), every other one, starting with the first, so that a
 * long outage keeps an evenly spaced, coarser record of its oldest part; a lone heartbeat goes entirely.
 */
export function thinningVictims<E extends Entry>(heartbeats: readonly E[]): Set<E> {
  const victims = new Set<E>();
  heartbeats.forEach((entry, i) => {
    if (i % 2 === 0) victims.add(entry);
  });
  return victims;
}

interface MemoryEntry extends Entry {
  payload: Buffer;
}

/**
 * An outbox in memory, bounded by a number of records: for the simulator (thousands of agents in one
 * process) and for agents run without a data directory. A crash loses what it holds.
 */
export function createMemoryOutbox(options: { maxRecords: number; logger?: Logger }): Outbox {
  const queue = new EntryQueue<MemoryEntry>();
  let next = 0;
  let bytes = 0;
  let thinned = 0;
  const makeRoom = (): boolean => {
    // The oldest 64 heartbeats are thinned at a time: enough to make room for a while.
    const heartbeats: MemoryEntry[] = [];
    for (const entry of queue.values()) {
      if (entry.channel === 'heartbeat' && !entry.inFlight) heartbeats.push(entry);
      if (heartbeats.length === 64) break;
    }
    if (heartbeats.length === 0) return false;
    const victims = thinningVictims(heartbeats);
    for (const entry of queue.remove((e) => victims.has(e))) {
      bytes -= entry.payload.length;
      thinned += 1;
    }
    return true;
  };
  return {
    open: () => Promise.resolve(),
    append(channel, payload) {
      if (queue.size >= options.maxRecords && !makeRoom()) {
        if (channel === 'heartbeat') return undefined;
        throw new OutboxFullError(channel);
      }
      const seq = next++;
      queue.push({ seq, channel, payload, inFlight: false, acked: false });
      bytes += payload.length;
      return seq;
    },
    take(from, below) {
      const entry = queue.nextEligible(from, below);
      if (!entry) return undefined;
      entry.inFlight = true;
      return entry;
    },
    release(seq) {
      const entry = queue.find(seq);
      if (entry) entry.inFlight = false;
    },
    ack(seq) {
      const entry = queue.ack(seq);
      if (entry) bytes -= entry.payload.length;
    },
    nextSeq: () => next,
    stats: () => ({ records: queue.size, bytes, thinned, corrupt: 0 }),
    close: () => Promise.resolve(),
  };
}
