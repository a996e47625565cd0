// On-disk format of the ingest's write-ahead log (see wal.ts for how it is used).
//
// A segment file is a plain sequence of records, no file header. Every integer is little-endian.
//
//   record = a CRC frame (runtime/crc-frame.ts): [u32 bodyLength][u32 crc32(body)][body]
//   body   = [f64 receivedAt][f64 seq][u16 topicLength][topic, UTF-8][payload]
//
// A change to this layout needs a new file extension, so that an old process never misreads a new log.
import { allocFrame, checkFrame, FRAME_HEADER_BYTES, sealFrame } from '../runtime/index.js';

/** Bytes before the body: length and CRC. */
export const HEADER_BYTES = FRAME_HEADER_BYTES;
/** Bytes of the body before the topic: receivedAt, seq, topicLength. */
export const BODY_FIXED_BYTES = 18;
/** Largest body accepted, on append and on read: MQTT's own packet limit (256 MiB). */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Largest topic: MQTT topics carry a u16 length too. */
export const MAX_TOPIC_BYTES = 0xffff;

const SEGMENT_NAME = /^(\d{8,})\.wal$/;

/** File name of segment `n`: zero-padded so that names sort like numbers (`00000001.wal`). */
export function segmentFileName(n: number): string {
  return `${String(n).padStart(8, '0')}.wal`;
}

/** The segment number in a file name, or undefined if the file is not a segment. */
export function parseSegmentFileName(name: string): number | undefined {
  const m = SEGMENT_NAME.exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Encodes one record, header included, ready for a single write. */
export function encodeRecord(seq: number, receivedAt: number, topic: string, payload: Buffer): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  if (topicBytes > MAX_TOPIC_BYTES) throw new RangeError(`topic is ${topicBytes} bytes, at most 65535`);
  const bodyLength = BODY_FIXED_BYTES + topicBytes + payload.length;
  if (bodyLength > MAX_BODY_BYTES)
    throw new RangeError(`record body is ${bodyLength} bytes, at most 256 MiB`);
  const buf = allocFrame(bodyLength);
  buf.writeDoubleLE(receivedAt, 8);
  buf.writeDoubleLE(seq, 16);
  buf.writeUInt16LE(topicBytes, 24);
  buf.write(topic, 26, topicBytes, 'utf8');
  payload.copy(buf, HEADER_BYTES + BODY_FIXED_BYTES + topicBytes);
  return sealFrame(buf);
}

/** One record decoded in place: `payload` is a view into the buffer that was decoded. */
export interface DecodedRecord {
  kind: 'record';
  seq: number;
  receivedAt: number;
  topic: string;
  payload: Buffer;
  /** Whole record, header included. */
  bytes: number;
}

/** The buffer ends inside a record that looks sound so far: `bytes` must be available to decode it. */
export interface IncompleteRecord {
  kind: 'incomplete';
  bytes: number;
}

export interface CorruptRecord {
  kind: 'corrupt';
  reason: string;
}

export type DecodeResult = DecodedRecord | IncompleteRecord | CorruptRecord;

/** Decodes the record at `buf[offset]`, looking no further than `buf[end - 1]`. */
export function decodeRecord(buf: Buffer, offset: number, end: number): DecodeResult {
  const frame = checkFrame(buf, offset, end, BODY_FIXED_BYTES, MAX_BODY_BYTES);
  if (frame.kind !== 'frame') return frame;
  const { bodyStart, bodyLength, bytes } = frame;
  const body = buf.subarray(bodyStart, bodyStart + bodyLength);
  const topicBytes = body.readUInt16LE(16);
  if (BODY_FIXED_BYTES + topicBytes > bodyLength) {
    return { kind: 'corrupt', reason: `topic length ${topicBytes} exceeds the body` };
  }
  return {
    kind: 'record',
    receivedAt: body.readDoubleLE(0),
    seq: body.readDoubleLE(8),
    topic: body.toString('utf8', BODY_FIXED_BYTES, BODY_FIXED_BYTES + topicBytes),
    payload: body.subarray(BODY_FIXED_BYTES + topicBytes),
    bytes,
  };
}
