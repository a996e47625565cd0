import { isUtf8 } from 'node:buffer';
import type { z } from 'zod';
import { MAX_FUTURE_SKEW_MS, MAX_PAYLOAD_BYTES } from './limits.js';
import { channelSchemas, type MessageOf } from './messages.js';
import type { RejectReason } from './reject.js';
import type { Channel } from './topic.js';

export type Decoded<C extends Channel> =
  { ok: true; message: MessageOf[C] } | { ok: false; reason: RejectReason; detail: string };

export interface TimeWindow {
  /** The platform clock, ms since the epoch. */
  now: number;
  /** Oldest accepted device time is `now - retentionMs`. */
  retentionMs: number;
}

/**
 * Decodes one payload of a channel: size, UTF-8, JSON, schema, then the device clock (DESIGN §3).
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
    text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
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
  const schema = channelSchemas[channel] as unknown as z.ZodType<MessageOf[C]>;
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'schema', detail: describeIssues(parsed.error) };
  const clock = checkDeviceTime(channel, parsed.data, window);
  if (clock) return { ok: false, ...clock };
  return { ok: true, message: parsed.data };
}

/** `heartbeat.power: Invalid option…; seq: expected int` — the zod issue paths, for the reject log. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

function checkDeviceTime(
  channel: Channel,
  message: MessageOf[Channel],
  { now, retentionMs }: TimeWindow,
): { reason: RejectReason; detail: string } | undefined {
  // A broadcast is logged after it ends: its end must not be in the future and its start not too old.
  let newest: number | undefined;
  let oldest: number | undefined;
  if (channel === 'broadcast') {
    const b = message as MessageOf['broadcast'];
    newest = b.end;
    oldest = b.start;
  } else {
    newest = oldest = (message as { ts?: number }).ts;
  }
  if (newest !== undefined && newest > now + MAX_FUTURE_SKEW_MS) {
    return {
      reason: 'ts_future',
      detail: `${new Date(newest).toISOString()} is ahead of the platform clock`,
    };
  }
  if (oldest !== undefined && oldest < now - retentionMs) {
    return {
      reason: 'ts_too_old',
      detail: `${new Date(oldest).toISOString()} is older than the retention window`,
    };
  }
  return undefined;
}
