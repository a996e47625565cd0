import { describe, expect, it } from 'vitest';
import type { PointWriter } from '../influx/index.js';
import type { MessageObserver } from '../ingest/index.js';
import { deferredObserver, deferredWriter } from './deferred.js';

type Seen = [string, number];
const device = (id: string) => ({ device: id }) as Parameters<MessageObserver>[0];
const heartbeat = {
  v: 1,
  ts: 1,
  seq: 1,
  uptime_s: 1,
  power: 'mains',
  amp: 'on',
} as Parameters<MessageObserver>[2];

describe('deferredObserver', () => {
  it('hands what it kept to the engine in order, then passes the rest straight on', () => {
    const deferred = deferredObserver();
    deferred.observe(device('a'), 'heartbeat', heartbeat, 1);
    deferred.observe(device('b'), 'heartbeat', heartbeat, 2);
    const seen: Seen[] = [];
    deferred.handOver((d, _c, _m, at) => seen.push([d.device, at]));
    expect(seen).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    deferred.observe(device('c'), 'heartbeat', heartbeat, 3);
    expect(seen.at(-1)).toEqual(['c', 3]);
  });

  it('keeps at most the newest `max` while it waits', () => {
    const deferred = deferredObserver(2);
    for (let at = 1; at <= 5; at++) deferred.observe(device('a'), 'heartbeat', heartbeat, at);
    const seen: number[] = [];
    deferred.handOver((_d, _c, _m, at) => seen.push(at));
    expect(seen).toEqual([4, 5]);
  });
});

describe('deferredWriter', () => {
  it('writes once InfluxDB is ready, and fails like a write while its start fails', async () => {
    const written: string[] = [];
    let ready!: (w: PointWriter) => void;
    const writer = deferredWriter(
      new Promise<PointWriter>((resolve) => {
        ready = resolve;
      }),
    );
    const pending = writer.write(['m v=1 1']);
    expect(written).toEqual([]);
    ready({ write: (lines) => Promise.resolve(void written.push(...lines)) });
    await pending;
    expect(written).toEqual(['m v=1 1']);

    const failed = deferredWriter(Promise.reject(new Error('influxd did not start')));
    await expect(failed.write(['m v=2 2'])).rejects.toThrow('influxd did not start');
  });
});
