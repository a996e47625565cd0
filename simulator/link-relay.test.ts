import { describe, expect, it } from 'vitest';
import { completePackets, publishPacket } from './link-relay.js';

// The relay forwards the device's bytes in whole MQTT packets only, so that a packet it slips in never
// lands inside one of the agent's.
describe('MQTT packet framing', () => {
  it('a QoS 0 PUBLISH: fixed header, remaining length (one or more bytes), topic, payload', () => {
    const small = publishPacket('loa/v1/a/b/c/heartbeat', Buffer.from('{}'));
    expect([...small.subarray(0, 4)]).toEqual([0x30, 2 + 22 + 2, 0, 22]);
    expect(small.subarray(4, 26).toString()).toBe('loa/v1/a/b/c/heartbeat');
    expect(small.subarray(26).toString()).toBe('{}');
    // 300 bytes of payload: the remaining length takes two bytes (7 bits each, low first).
    const big = publishPacket('t', Buffer.alloc(300, 0x61));
    const remaining = 2 + 1 + 300;
    expect([...big.subarray(0, 3)]).toEqual([0x30, (remaining % 128) | 0x80, Math.floor(remaining / 128)]);
    expect(big.length).toBe(3 + remaining);
  });

  it('counts only the bytes of whole packets, whatever the split', () => {
    const a = publishPacket('a', Buffer.alloc(200, 1));
    const b = publishPacket('b', Buffer.from('x'));
    const stream = Buffer.concat([a, b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const expected = cut >= stream.length ? stream.length : cut >= a.length ? a.length : 0;
      expect(completePackets(stream.subarray(0, cut))).toBe(expected);
    }
    // A PINGREQ (no body) between them.
    expect(completePackets(Buffer.concat([a, Buffer.from([0xc0, 0x00]), b]))).toBe(a.length + 2 + b.length);
  });
});
