import {
  channelSchemas,
  MAX_PAYLOAD_BYTES,
  messageTimes,
  type Channel,
  type MessageOf,
} from '../protocol/index.js';
import type { QueuedChannel } from './outbox.js';

/**
 * Every payload the agent sends goes through here: built from the protocol's types, checked with the
 * protocol's schema and size limit, and refused with the reason instead of being sent. A device that
 * sends what the ingest would reject only fills the reject counters.
 */
export class MessageRefusedError extends Error {
  constructor(
    readonly channel: Channel,
    /** Each problem as `path: message`, the path inside the payload (empty for the whole payload). */
    readonly problems: readonly string[],
  ) {
    super(`refused ${channel} message: ${problems.join('; ')}`);
    this.name = 'MessageRefusedError';
  }
}

/** Validates one outgoing payload and returns its wire bytes. */
export function encodeMessage<C extends Channel>(channel: C, message: MessageOf[C]): Buffer {
  const result = channelSchemas[channel].safeParse(message);
  if (!result.success) {
    throw new MessageRefusedError(
      channel,
      result.error.issues.map((issue) => problem(issue.path.map(String).join('.'), issue.message)),
    );
  }
  // The message as given, not the parsed copy: the schemas drop unknown keys, and a caller's extra
  // fields (newer firmware) are allowed on the wire.
  const bytes = Buffer.from(JSON.stringify(message), 'utf8');
  if (bytes.length > MAX_PAYLOAD_BYTES) {
    throw new MessageRefusedError(channel, [
      problem('', `is ${bytes.length} bytes, more than ${MAX_PAYLOAD_BYTES}`),
    ]);
  }
  return bytes;
}

function problem(path: string, message: string): string {
  return `${path === '' ? '(payload)' : path}: ${message}`;
}

/**
 * The device time by which the platform judges a queued payload's age, as its ingest does: a
 * broadcast's `start`, otherwise `ts`. Undefined if the payload has none (it is then never too old).
 */
export function oldestTime(channel: QueuedChannel, payload: Buffer): number | undefined {
  let message: unknown;
  try {
    message = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof message !== 'object' || message === null) return undefined;
  const { oldest } = messageTimes(channel, message as MessageOf[QueuedChannel]);
  return typeof oldest === 'number' ? oldest : undefined;
}
