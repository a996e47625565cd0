import type { Outbox, QueuedChannel } from '../devices/index.js';

/** One message a virtual device accepted into its outbox, as InfluxDB will key it. */
export interface LedgerEntry {
  channel: QueuedChannel;
  /** The point's time in InfluxDB: `ts` (heartbeat, event) or `start` (broadcast), device clock. */
  time: number;
  /** Broadcast id, event type, or heartbeat seq: what a person reading a problem recognises. */
  label: string;
  /** The device clock's offset from the simulation's clock when the message was made. */
  skewMs: number;
  /** Wall-clock time it was accepted. */
  at: number;
}

/**
 * What one virtual device accepted and what the broker acknowledged, message by message: the ground
 * truth `--verify` compares InfluxDB with. It watches the outbox, so it sees exactly what the real agent
 * queued (with the `ts` and `seq` it stamped) and which records got their PUBACK, through replays and
 * reboots alike (the outbox outlives the agent, as the disk outbox of a real box does).
 */
export class DeviceLedger {
  /** Accepted, not yet acknowledged, by outbox seq. */
  private readonly pending = new Map<number, LedgerEntry>();
  readonly acked: LedgerEntry[] = [];
  /** Every message accepted (acknowledged or not): a stored point outside this set was never sent. */
  readonly accepted: LedgerEntry[] = [];
  /** Records taken by the agent and not yet acknowledged or released. */
  private readonly inFlight = new Set<number>();
  private outbox: Outbox | undefined;
  skewMs = 0;

  constructor(private readonly wallClock: () => number = Date.now) {}

  /** The outbox as the agent sees it, with every append and acknowledgement noted here. */
  track(outbox: Outbox): Outbox {
    this.outbox = outbox;
    return {
      open: () => outbox.open(),
      append: (channel, payload) => {
        const seq = outbox.append(channel, payload);
        if (seq !== undefined) this.noteAppend(seq, channel, payload);
        return seq;
      },
      take: (from, below) => {
        const record = outbox.take(from, below);
        if (record) this.inFlight.add(record.seq);
        return record;
      },
      release: (seq) => {
        this.inFlight.delete(seq);
        outbox.release(seq);
      },
      ack: (seq) => {
        this.inFlight.delete(seq);
        outbox.ack(seq);
        const entry = this.pending.get(seq);
        if (entry) {
          this.pending.delete(seq);
          this.acked.push(entry);
        }
      },
      nextSeq: () => outbox.nextSeq(),
      stats: () => outbox.stats(),
      close: () => outbox.close(),
    };
  }

  /**
   * The box rebooted: nothing is in flight any more. A disk outbox forgets in-flight marks when it is
   * reopened; this memory outbox outlives the agent, so a send the dead agent never heard back about
   * would otherwise stay in flight for ever.
   */
  reboot(): void {
    for (const seq of this.inFlight) this.outbox?.release(seq);
    this.inFlight.clear();
  }

  private noteAppend(seq: number, channel: QueuedChannel, payload: Buffer): void {
    const m = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    const time = Number(channel === 'broadcast' ? m.start : m.ts);
    const label = String(channel === 'broadcast' ? m.id : channel === 'event' ? m.type : m.seq);
    const entry = { channel, time, label, skewMs: this.skewMs, at: this.wallClock() };
    this.pending.set(seq, entry);
    this.accepted.push(entry);
  }
}
