/** The ingest: validate every message, store it durably, write it to InfluxDB (docs/architecture.md, docs/protocol.md, docs/protocol.md §10). */
export {
  createIngest,
  DEFAULT_INGEST_OPTIONS,
  type Ingest,
  type IngestOptions,
  type MessageObserver,
} from './service.js';
export { INGEST_DEFAULTS } from './defaults.js';
export { createPipeline, type Pipeline, type PipelineResult, type IncomingMessage } from './pipeline.js';
export { createMqttSource, type MqttSourceOptions } from './mqtt-source.js';
