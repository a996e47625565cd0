/** The numbers of the wire contract (docs/protocol.md). Devices and the platform agree on these. */

/** Largest accepted payload, in bytes of UTF-8. */
export const MAX_PAYLOAD_BYTES = 4096;

/** A device clock may run this far ahead of the platform's before its messages are refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Default retention of raw data; messages older than this are refused (configurable in the ingest). */
export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** A broadcast lasts at most this long. */
export const MAX_BROADCAST_MS = 24 * 60 * 60 * 1000;

/** Protocol version carried in every payload as `"v": 1`. */
export const PROTOCOL_VERSION = 1;
