import { describe, expect, it } from 'vitest';
import { DEFAULT_BROKER_LIMITS, FailureThrottle, PacketSizeGuard, TokenBuckets } from './limits.js';
import { remainingLength } from '../runtime/index.js';

describe('TokenBuckets', () => {
  it('allows a burst, then the refill rate, per key', () => {
    let t = 0;
    const buckets = new TokenBuckets(2, 5, () => t);
    for (let i = 0; i < 5; i++) expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    expect(buckets.take('b')).toBe(true);
    t += 500;
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
  });

  it('forgets full buckets and is a no-op when disabled', () => {
    let t = 0;
    const buckets = new TokenBuckets(1, 2, () => t);
    buckets.take('a');
    t += 5000;
    buckets.prune();
    expect(buckets.size).toBe(0);
    const off = new TokenBuckets(0, 10, () => t);
    for (let i = 0; i < 100; i++) expect(off.take('a')).toBe(true);
  });
});

describe('the default publish rate', () => {
  const { publishPerSecond, publishBurst } = DEFAULT_BROKER_LIMITS;

  it('lets an agent replay a day offline at its replay rate, then live, and stops a flood', () => {
    let t = 0;
    const buckets = new TokenBuckets(publishPerSecond, publishBurst, () => t);
    // docs/agent.md: a day offline is 1,440 heartbeats, 9 broadcasts and 20 events, replayed at 20/s
    // while live heartbeats go on.
    for (let i = 0; i < 1440 + 9 + 20; i++) {
      expect(buckets.take('agent')).toBe(true);
      t += 50;
    }
    for (let i = 0; i < 24 * 60; i++) {
      expect(buckets.take('agent')).toBe(true);
      t += 60_000;
    }
    // A device publishing 1,000 a second is cut off once the burst is spent.
    let accepted = 0;
    while (buckets.take('agent')) {
      accepted++;
      t += 1;
    }
    expect(accepted).toBeGreaterThanOrEqual(publishBurst);
    expect(accepted).toBeLessThan(publishBurst * 1.01);
  });
});

describe('FailureThrottle', () => {
  it('blocks a key after max failures in the window, until the window ends', () => {
    let t = 0;
    const throttle = new FailureThrottle(3, 1000, () => t);
    for (let i = 0; i < 3; i++) {
      expect(throttle.blocked('x')).toBe(false);
      throttle.fail('x');
    }
    expect(throttle.blocked('x')).toBe(true);
    expect(throttle.blocked('y')).toBe(false);
    t += 1000;
    expect(throttle.blocked('x')).toBe(false);
    throttle.fail('x');
    expect(throttle.blocked('x')).toBe(false);
  });

  it('keeps at most maxKeys windows, dropping the oldest', () => {
    const throttle = new FailureThrottle(1, 60_000, () => 0, 3);
    for (const key of ['a', 'b', 'c', 'd']) throttle.fail(key);
    expect(throttle.size).toBe(3);
    expect(throttle.blocked('a')).toBe(false);
    expect(throttle.blocked('d')).toBe(true);
  });
});

describe('PacketSizeGuard', () => {
  const header = (type: number, length: number): Buffer =>
    Buffer.concat([Buffer.from([type]), remainingLength(length)]);

  it('passes packets up to the limit, across chunk boundaries', () => {
    const guard = new PacketSizeGuard(100);
    const packet = Buffer.concat([header(0x30, 97), Buffer.alloc(97)]);
    expect(packet.length).toBe(99);
    const stream = Buffer.concat([packet, packet, Buffer.from([0xc0, 0x00])]);
    for (let i = 0; i < stream.length; i += 7) expect(guard.feed(stream.subarray(i, i + 7))).toBeUndefined();
  });

  it('reports an oversize packet from its fixed header alone', () => {
    const guard = new PacketSizeGuard(8192);
    expect(guard.feed(header(0x32, 100_000))).toBe(100_004);
  });

  it('reports a remaining length longer than four bytes', () => {
    const guard = new PacketSizeGuard(8192);
    expect(guard.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(Infinity);
  });
});
