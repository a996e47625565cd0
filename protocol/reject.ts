/**
 * Why the platform refuses a message (docs/protocol.md). Each reason is counted, kept in the `reject`
 * measurement and documented for firmware vendors in docs/protocol.md.
 */
export const REJECT_REASONS = {
  bad_topic: 'the topic is not loa/v1/{province}/{commune}/{device}/{channel} with slug levels',
  unknown_channel: 'the channel is not state, meta, heartbeat, broadcast or event',
  unknown_device: 'the device id is not in the inventory',
  wrong_place: 'the device is in the inventory under another province or commune',
  payload_too_large: 'the payload is over 4096 bytes',
  invalid_json: 'the payload is not UTF-8 JSON text',
  schema: 'the JSON does not match the channel schema (the detail gives the field path)',
  ts_future: 'the device time is more than 5 minutes ahead of the platform clock',
  ts_too_old: 'the device time is older than the retention window',
  storage_refused: 'InfluxDB refused the point itself (for example a field type conflict)',
  internal_error: 'the ingest failed on this message (a bug in Loa): kept and counted instead of lost',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export const REJECT_REASON_NAMES = Object.keys(REJECT_REASONS) as RejectReason[];
