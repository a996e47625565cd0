/**
 * The edge agent that runs on a station or loudspeaker cluster (docs/protocol.md): presence, heartbeats,
 * broadcast logs and events over MQTT. The simulator runs many of these in one process.
 */
export {
  AGENT_COUNTS,
  AGENT_FIRMWARE,
  BacklogFullError,
  createAgent,
  zeroAgentCounts,
  type Agent,
  type AgentOptions,
  type AgentOutboxStats,
  type AgentStats,
  type BroadcastInput,
  type EventInput,
  type StopReason,
} from './agent.js';
export {
  AgentConfigError,
  agentConfigSchema,
  keepaliveFor,
  parseAgentConfig,
  type AgentConfig,
  type AgentConfigInput,
} from './config.js';
export { CLOCK_FLOOR_MS } from './clock.js';
export { createBackoff, DEFAULT_BACKOFF, type Backoff, type BackoffOptions } from './backoff.js';
export { encodeMessage, MessageRefusedError } from './outgoing.js';
export { REFUSAL_LINES, refusalOf, type Refusal } from './refusal.js';
export { createLocalHttp, type LocalHttp } from './local-http.js';
export { parseLocalLine, submitLocalRecord, type LocalResult } from './local-input.js';
export { createTail, type Tail, type TailOptions } from './tail.js';
export { createDiskOutbox, type DiskOutboxOptions } from './disk-outbox.js';
export {
  createMemoryOutbox,
  OutboxFullError,
  type Outbox,
  type OutboxRecord,
  type OutboxStats,
  type QueuedChannel,
} from './outbox.js';
export { defaultProbe, type HeartbeatFields, type Probe } from './probe.js';
export {
  createConfiguredProbe,
  PROBED_FIELDS,
  probesConfigSchema,
  type FieldSource,
  type ProbeOptions,
  type ProbesConfig,
} from './probes.js';
export {
  createFileSessionStore,
  createMemorySessionStore,
  SESSION_FILE,
  SessionFileError,
  type SessionStore,
} from './session.js';
