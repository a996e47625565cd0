/**
 * Grafana dashboards as code (docs/design.md#the-problem, issue 6): typed with the Grafana foundation SDK, InfluxQL
 * targets from a small builder of our own, and the provisioning tree Grafana loads from files.
 */
export { alertRules, ALERT_RULE_QUERIES } from './alert-rules.js';
export { DATASOURCE_INPUT, INFLUX_DATASOURCE } from './datasource.js';
export {
  expandQuery,
  formatInterval,
  intervalMs,
  roundInterval,
  UnknownVariableError,
  type GrafanaContext,
} from './expand.js';
export { influxql, InfluxQlQueryBuilder, type InfluxQlTarget } from './influxql.js';
export { placeNames, type PlaceNames } from './names.js';
export { dashboards, provisioningTree, type ProvisioningOptions } from './provisioning.js';
export { writeProvisioning } from './write.js';
