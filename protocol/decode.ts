import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { MAX_FUTURE_SKEW_MS, MAX_PAYLOAD_BYTES } from './limits.js';
import { compileFastCheck } from './fast-check.js';
import { channelSchemas, type MessageOf } from './messages.js';
import type { RejectReason } from './reject.js';
import { CHANNELS, type Channel } from './topic.js';

export type Decoded<C extends Channel> =
  { ok: true; message: MessageOf[C] } | { ok: false; reason: RejectReason; detail: string };

export interface TimeWindow {
  /** The platform clock, ms since the epoch. */
  now: number;
  /** Oldest accepted device time is `now - retentionMs`. */
  retentionMs: number;
}

/**
 * Per channel, the acceptance test compiled from its schema (undefined where the schema has constructs
 * it does not know, such as the refinements of broadcast). `exactKeys`: a payload with unknown keys goes
 * to zod, which drops them, so an accepted message is always exactly what zod would have returned.
 */
const fastChecks: Partial<Record<Channel, (value: unknown) => boolean>> = {};
for (const channel of CHANNELS) {
  fastChecks[channel] = compileFastCheck(channelSchemas[channel], { exactKeys: true });
}

/**
 * Decodes one payload of a channel: size, UTF-8, JSON, schema, then the device clock (docs/protocol.md).
 * Pure and allocation-light: the ingest calls it for every message, the agent for every local record.
 */
export function decodePayload<C extends Channel>(
  channel: C,
  payload: Uint8Array | string,
  window: TimeWindow,
): Decoded<C> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: 'payload_too_large', detail: `${size} bytes, at most ${MAX_PAYLOAD_BYTES}` };
  }
  let text: string;
  if (typeof payload === 'string') {
    text = payload;
  } else {
    if (!isUtf8(payload)) return { ok: false, reason: 'invalid_json', detail: 'payload is not valid UTF-8' };
    text = Buffer.isBuffer(payload)
      ? payload.toString('utf8')
      : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'invalid_json', detail: (error as Error).message };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'schema', detail: 'payload must be a JSON object' };
  }
  let message: MessageOf[C];
  // The derived fast check only ever says yes; for anything it does not accept, zod decides and explains.
  if (fastChecks[channel]?.(json) === true) {
    message = json as MessageOf[C];
  } else {
    const schema = channelSchemas[channel] as unknown as z.ZodType<MessageOf[C]>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: 'schema', detail: describeIssues(parsed.error) };
    message = parsed.data;
  }
  return checkDeviceTime(channel, message, window.now, window.retentionMs) ?? { ok: true, message };
}

/** `heartbeat.power: Invalid option…; seq: expected int` — the zod issue paths, for the reject log. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/**
 * The device times by which a message is judged: a broadcast is logged after it ends, so its end must
 * not be in the future and its start not too old; any other message by its `ts` (absent: not judged).
 * The agent uses the same rule to drop what the platform would refuse as too old.
 */
export function messageTimes(
  channel: Channel,
  message: MessageOf[Channel],
): { oldest: number | undefined; newest: number | undefined } {
  if (channel === 'broadcast') {
    const b = message as MessageOf['broadcast'];
    return { oldest: b.start, newest: b.end };
  }
  const ts = (message as { ts?: number }).ts;
  return { oldest: ts, newest: ts };
}

function checkDeviceTime(
  channel: Channel,
  message: MessageOf[Channel],
  now: number,
  retentionMs: number,
): { ok: false; reason: RejectReason; detail: string } | undefined {
  const { oldest, newest } = messageTimes(channel, message);
  if (newest !== undefined && newest > now + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      reason: 'ts_future',
      detail: `${new Date(newest).toISOString()} is ahead of the platform clock`,
    };
  }
  if (oldest !== undefined && oldest < now - retentionMs) {
    return {
      ok: false,
      reason: 'ts_too_old',
      detail: `${new Date(oldest).toISOString()} is older than the retention window`,
    };
  }
  return undefined;
}
