/**
 * The contract every part of Loa imports: topics, payload schemas, limits, reject reasons, the inventory
 * and secret hashing, and the storage schema with its line-protocol writer. It imports nothing of the
 * other folders.
 */
export * from './slug.js';
export * from './limits.js';
export * from './topic.js';
export * from './messages.js';
export * from './reject.js';
export * from './decode.js';
export * from './fast-check.js';
export * from './secret.js';
export * from './inventory-schema.js';
export * from './inventory.js';
export * from './inventory-load.js';
export * from './broker-presence.js';
export * from './criterion.js';
export * from './line-protocol.js';
export * from './storage.js';
