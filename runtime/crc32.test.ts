import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { expect, it } from 'vitest';
import { crc32Portable } from './crc32.js';

// The outbox written by one Node.js is read by another after an upgrade: both checksums must agree.
it('the portable CRC-32 (for Node.js 18) equals zlib.crc32', () => {
  expect(crc32Portable(Buffer.alloc(0))).toBe(0);
  expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
  for (const size of [1, 7, 64, 4096]) {
    const data = randomBytes(size);
    expect(crc32Portable(data)).toBe(zlibCrc32(data));
  }
});
