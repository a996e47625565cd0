/** Process plumbing shared by the services: logging, backoff, metrics exposition, the ops HTTP server. */
export * from './logger.js';
export * from './backoff.js';
export * from './metrics.js';
export * from './http.js';
export * from './rate-limited-log.js';
export * from './mqtt-frame.js';
export * from './crc-frame.js';
export * from './pid-lock.js';
export * from './version.js';
export * from './crc32.js';
