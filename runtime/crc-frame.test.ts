import { describe, expect, it } from 'vitest';
import { allocFrame, checkFrame, FRAME_HEADER_BYTES, sealFrame } from './crc-frame.js';

function frameOf(body: string): Buffer {
  const frame = allocFrame(Buffer.byteLength(body));
  frame.write(body, FRAME_HEADER_BYTES);
  return sealFrame(frame);
}

describe('CRC frame', () => {
  it('reads back the body it sealed, at any offset', () => {
    const buf = Buffer.concat([frameOf('first'), frameOf('second body')]);
    const first = checkFrame(buf, 0, buf.length, 1, 100);
    expect(first).toEqual({ kind: 'frame', bodyStart: 8, bodyLength: 5, bytes: 13 });
    const second = checkFrame(buf, 13, buf.length, 1, 100);
    expect(second.kind).toBe('frame');
    if (second.kind === 'frame')
      expect(buf.toString('utf8', second.bodyStart, second.bodyStart + second.bodyLength)).toBe(
        'second body',
      );
  });

  it('asks for more bytes when the buffer ends inside a frame (a torn tail)', () => {
    const buf = frameOf('cut short');
    expect(checkFrame(buf, 0, 5, 1, 100)).toEqual({ kind: 'incomplete', bytes: 8 });
    expect(checkFrame(buf, 0, buf.length - 1, 1, 100)).toEqual({ kind: 'incomplete', bytes: buf.length });
  });

  it('finds a flipped bit and an impossible length', () => {
    const flipped = frameOf('payload');
    flipped[FRAME_HEADER_BYTES + 2] = (flipped[FRAME_HEADER_BYTES + 2] ?? 0) ^ 1;
    expect(checkFrame(flipped, 0, flipped.length, 1, 100)).toEqual({
      kind: 'corrupt',
      reason: 'CRC mismatch',
    });
    const long = frameOf('x'.repeat(50));
    expect(checkFrame(long, 0, long.length, 1, 10)).toEqual({
      kind: 'corrupt',
      reason: 'impossible body length 50',
    });
  });
});
