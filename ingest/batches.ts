import type { WalPosition } from './wal.js';

/** Points on their way to InfluxDB, and how far the log may be committed once they are stored. */
interface Batch {
  lines: string[];
  /** Log position after the last record taken into this batch: committed once the batch is stored. */
  end: WalPosition;
  firstReceivedAt: number;
  started: boolean;
  done: boolean;
}

export interface BatchesOptions {
  /** Points per InfluxDB write: a batch this full is sealed at once. */
  batchSize: number;
  /** Batches written at once. */
  concurrency: number;
  /** The `send` step: resolves true once InfluxDB has the lines, false when the ingest stopped first. */
  send: (lines: string[]) => Promise<boolean>;
  /** The `commit` step: everything in the log before `upTo` is stored. */
  commit: (upTo: WalPosition) => void;
  /** After a batch is stored and committed, with the receipt time of its first record. */
  stored: (firstReceivedAt: number) => void;
}

export type Batches = ReturnType<typeof createBatches>;

/**
 * The ingest's batching, in the order its steps run: `take` a judged record's line into the open batch,
 * `seal` the batch when it is full or its time is up, `send` sealed batches to InfluxDB (a few at
 * once), `commit` the log up to the end of the batches stored so far — in log order, so a crash never
 * skips a batch still in flight.
 */
export function createBatches(o: BatchesOptions) {
  let open: Batch | undefined;
  /** Sealed batches in log order, in flight or waiting, and stored ones not yet committed. */
  const sealed: Batch[] = [];
  let inflight = 0;
  /** Lines taken and not yet stored: the memory bound of the ingest. */
  let buffered = 0;

  function openBatch(receivedAt: number, end: WalPosition): Batch {
    return (open ??= { lines: [], end, firstReceivedAt: receivedAt, started: false, done: false });
  }

  /** Takes a record's line (none for a record that stores nothing) into the open batch. */
  function take(line: string | undefined, end: WalPosition, receivedAt: number): void {
    const batch = openBatch(receivedAt, end);
    batch.end = end;
    if (line === undefined) return;
    batch.lines.push(line);
    buffered++;
    if (batch.lines.length >= o.batchSize) seal();
  }

  /** Adds lines of no log record (the self-metrics) to the open batch. */
  function add(lines: readonly string[], end: WalPosition, at: number): void {
    const batch = openBatch(at, end);
    batch.lines.push(...lines);
    buffered += lines.length;
  }

  function seal(): void {
    if (!open) return;
    sealed.push(open);
    open = undefined;
    pump();
  }

  function pump(): void {
    for (const batch of sealed) {
      if (inflight >= o.concurrency) return;
      if (batch.started) continue;
      batch.started = true;
      inflight++;
      void send(batch);
    }
  }

  async function send(batch: Batch): Promise<void> {
    const stored = await o.send(batch.lines);
    inflight--;
    if (!stored) return; // stopping: the log keeps the batch for the next start
    batch.done = true;
    buffered -= batch.lines.length;
    commit();
    pump();
    o.stored(batch.firstReceivedAt);
  }

  function commit(): void {
    let upTo: WalPosition | undefined;
    while (sealed[0]?.done) upTo = sealed.shift()?.end;
    if (upTo) o.commit(upTo);
  }

  return {
    take,
    add,
    seal,
    /** Lines taken and not yet stored. */
    buffered: () => buffered,
    /** Nothing open, nothing sealed and unstored. */
    empty: () => open === undefined && sealed.length === 0,
  };
}
