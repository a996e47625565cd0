import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE, as zlib and gzip compute it) of the on-disk logs (runtime/crc-frame.ts) and the agent's
 * outbox cursor. Node.js has it built in from 20.15 (`zlib.crc32`, used where present: the ingest's
 * write-ahead log keeps its speed); Debian 12's Node.js 18.20, which a stock box runs, has not, so the
 * agent carries this table-driven one for it (a few small records a minute: speed does not matter there).
 */
export const crc32: (data: Uint8Array) => number =
  (zlib as { crc32?: (data: Uint8Array) => number }).crc32 ?? crc32Portable;

let table: Uint32Array | undefined;

/** The same checksum in plain JavaScript; exported for the test that compares it with zlib's. */
export function crc32Portable(data: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (const byte of data) crc = (table[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
