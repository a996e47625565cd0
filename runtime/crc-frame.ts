// The frame both of Loa's on-disk logs use (the ingest's write-ahead log and the agent's outbox):
//
//   frame = [u32 bodyLength][u32 crc32(body)][body]      (little-endian)
//
// The CRC covers the whole body, so a torn write (a frame cut short by a crash or a power cut) and a
// flipped bit are both caught when the frame is read back. What the body holds is each log's own.
import { crc32 } from './crc32.js';

/** Bytes before the body: length and CRC. */
export const FRAME_HEADER_BYTES = 8;

/** A buffer for one frame whose body is `bodyLength` bytes, to be filled from `FRAME_HEADER_BYTES` on. */
export function allocFrame(bodyLength: number): Buffer {
  return Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLength);
}

/** Writes the length and CRC of a frame whose body is filled in; returns the frame. */
export function sealFrame(frame: Buffer): Buffer {
  frame.writeUInt32LE(frame.length - FRAME_HEADER_BYTES, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

/** The frame at `buf[offset]` checks out: its body is `buf[bodyStart, bodyStart + bodyLength)`. */
export interface SoundFrame {
  kind: 'frame';
  bodyStart: number;
  bodyLength: number;
  /** Whole frame, header included. */
  bytes: number;
}

/** The buffer ends inside a frame that looks sound so far: `bytes` must be available to check it. */
export interface IncompleteFrame {
  kind: 'incomplete';
  bytes: number;
}

export interface CorruptFrame {
  kind: 'corrupt';
  reason: string;
}

export type FrameCheck = SoundFrame | IncompleteFrame | CorruptFrame;

/**
 * Checks the frame at `buf[offset]`, looking no further than `buf[end - 1]`: a body length outside
 * `[minBody, maxBody]` or a CRC mismatch is corrupt.
 */
export function checkFrame(
  buf: Buffer,
  offset: number,
  end: number,
  minBody: number,
  maxBody: number,
): FrameCheck {
  if (end - offset < FRAME_HEADER_BYTES) return { kind: 'incomplete', bytes: FRAME_HEADER_BYTES };
  const bodyLength = buf.readUInt32LE(offset);
  if (bodyLength < minBody || bodyLength > maxBody) {
    return { kind: 'corrupt', reason: `impossible body length ${bodyLength}` };
  }
  const bytes = FRAME_HEADER_BYTES + bodyLength;
  if (end - offset < bytes) return { kind: 'incomplete', bytes };
  const bodyStart = offset + FRAME_HEADER_BYTES;
  if (crc32(buf.subarray(bodyStart, bodyStart + bodyLength)) !== buf.readUInt32LE(offset + 4)) {
    return { kind: 'corrupt', reason: 'CRC mismatch' };
  }
  return { kind: 'frame', bodyStart, bodyLength, bytes };
}
