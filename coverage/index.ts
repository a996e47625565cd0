/**
 * The coverage engine (docs/coverage.md): each province's criterion per hamlet, commune and province,
 * live from the ingest's accepted messages, with alerts delivered by MQTT, webhook and InfluxDB.
 */
export {
  createCoverageEngine,
  DEFAULT_ALERT_RULES,
  type CoverageEngine,
  type CoverageEngineOptions,
} from './engine.js';
export { ALERT_KINDS, type Alert, type AlertKind, type AlertRule } from './alert.js';
export { EMERGENCY_WINDOW_MS } from './emergency-bulletins.js';
export { CAUSES, type Cause } from './cause.js';
export { buildModel, utcOffsetMs, type CoverageModel } from './model.js';
export {
  evaluate,
  Evaluation,
  COMMUNE_STATUS,
  DEVICE_STATUS,
  HAMLET_STATUS,
  STATION_STATUS,
  type CommuneStatus,
  type DeviceStatus,
  type HamletStatus,
} from './evaluate.js';
export {
  MAINTENANCE_SCOPES,
  MaintenanceError,
  maintenanceLine,
  newWindow,
  readMaintenance,
  windowEnd,
  type MaintenanceScope,
  type MaintenanceWindow,
} from './maintenance.js';
export { FleetState } from './state.js';
export {
  createLineStore,
  createMqttAlertSink,
  createWebhookAlertSink,
  type AlertSink,
  type LineStore,
  type Publish,
  type WebhookOptions,
} from './sinks.js';
export { restoreFromInflux, type RestoreOptions } from './restore.js';
export {
  readCommuneCoverage,
  readHamletCoverage,
  type CommuneCoverageRow,
  type HamletCoverageRow,
} from './read.js';
export { readBulletin, type BulletinDelivery } from './bulletin.js';
export {
  monthlyReport,
  periodReport,
  yearlyReport,
  type CommuneMonth,
  type CommunePeriod,
  type MonthlyReport,
  type Outage,
  type PeriodKind,
  type PeriodReport,
  PeriodError,
  periodRange,
} from './report.js';
export {
  clustersText,
  durationIn,
  durationText,
  linkName,
  outageKind,
  periodName,
  reportCsv,
  reportMarkdown,
  reportTitle,
  statementLines,
  stationText,
  unitLabel,
  verdictText,
} from './report-text.js';
export { reportXlsx } from './report-xlsx.js';
export { reportHtml, VERDICT_COLOURS } from './report-html.js';
export { reportMap, type MapCluster, type ReportMap } from './report-map.js';
export { statementOf, type Statement, type UnitTally } from './statement.js';
export {
  createDayCloser,
  rebuildDay,
  readDayHistory,
  replayDays,
  type DarkSpan,
  localDayRange,
  summarizeDay,
  summaryLines,
  SUMMARY_BUCKETS,
  type DaySummary,
} from './history/index.js';
export { COVERAGE_DEFAULTS } from './defaults.js';
