// Everything that talks to InfluxDB. Other folders import from here only. The line protocol and the
// retention policies' names are the storage contract's (protocol/line-protocol.ts, protocol/storage.ts),
// re-exported here for the code that writes through a client.
export {
  escapeFieldKey,
  escapeFieldString,
  escapeMeasurement,
  escapeTagKey,
  escapeTagValue,
  formatFloat,
  formatInt,
  formatLine,
  int,
  IntField,
  lineFormatter,
  LineProtocolError,
  msToNs,
} from '../protocol/index.js';
export type { FieldKind, FieldKindValue, FieldValue, LineFormatter, LineSchema } from '../protocol/index.js';
export {
  InfluxQueryError,
  InfluxWriteError,
  parseRetryAfter,
  serverMessage,
  writeErrorFromNetwork,
  writeErrorFromResponse,
} from './errors.js';
export type { InfluxWriteErrorOptions, WriteTarget } from './errors.js';
export type { PointWriter } from './point-writer.js';
export { createV1Writer } from './v1-writer.js';
export type { V1WriterOptions } from './v1-writer.js';
export { createV2Writer } from './v2-writer.js';
export type { V2WriterOptions } from './v2-writer.js';
export { createInfluxQl, quoteIdent, quoteString } from './query.js';
export type { InfluxQl, InfluxQlOptions, InfluxValue, PingResult, QueryParams, Series } from './query.js';
export { ensureDatabase, LONG_RETENTION_POLICY, RAW_RETENTION_POLICY } from './database.js';
export { createInfluxdServer, findInfluxd, InfluxdNotFoundError, InfluxdPortTakenError } from './server.js';
export type { InfluxdHealth, InfluxdServer, InfluxdServerOptions } from './server.js';
export {
  ensureAdmin,
  ensureReader,
  loadOrCreateInfluxdCredentials,
  readInfluxdCredentials,
} from './influxd-auth.js';
export type { InfluxdCredentials, PrivateInfluxdCredentials } from './influxd-auth.js';
export { renderInfluxdConfig } from './influxd-config.js';
export type { InfluxdConfigOptions } from './influxd-config.js';
export { freePort, isPortFree } from './free-port.js';
