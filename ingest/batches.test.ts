import { expect, it } from 'vitest';
import { createBatches } from './batches.js';
import type { WalPosition } from './wal.js';

/** Lets the promise callbacks run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));
const at = (offset: number): WalPosition => ({ segment: 1, offset });

it('commits the log in order: a batch stored early waits for the one before it', async () => {
  const pending: ((stored: boolean) => void)[] = [];
  const committed: number[] = [];
  const batches = createBatches({
    batchSize: 2,
    concurrency: 2,
    send: () =>
      new Promise<boolean>((resolve) => {
        pending.push(resolve);
      }),
    commit: (upTo) => committed.push(upTo.offset),
    stored: () => undefined,
  });
  for (let i = 1; i <= 4; i++) batches.take(`line ${i}`, at(i * 10), i); // two full batches, both sent
  expect(pending).toHaveLength(2);
  expect(batches.buffered()).toBe(4);

  pending[1]?.(true); // the second batch is stored first
  await settled();
  expect(committed).toEqual([]);
  expect(batches.buffered()).toBe(2);

  pending[0]?.(true);
  await settled();
  expect(committed).toEqual([40]);
  expect(batches.empty()).toBe(true);
});

it('a record that stores nothing still moves the commit past it', async () => {
  const committed: number[] = [];
  const batches = createBatches({
    batchSize: 10,
    concurrency: 1,
    send: () => Promise.resolve(true),
    commit: (upTo) => committed.push(upTo.offset),
    stored: () => undefined,
  });
  batches.take('line', at(10), 1);
  batches.take(undefined, at(20), 2);
  batches.seal();
  await settled();
  expect(committed).toEqual([20]);
});
