import type { Measurement } from '../protocol/index.js';

/**
 * Stable uids of the data sources the provisioned YAML creates; the dashboards refer to them by uid,
 * so a Grafana that provisions both finds them without any manual mapping.
 */
export const INFLUX_DATASOURCE = { type: 'influxdb', uid: 'loa-influxdb' } as const;

/**
 * A measurement of the storage schema (protocol/storage.ts) with its retention policy, as every query
 * names it: `from(HEARTBEAT)` is `"raw"."heartbeat"`.
 */
export function from(measurement: Measurement): string {
  return `"${measurement.retention}"."${measurement.name}"`;
}

/**
 * The data-source input of the dashboards, as Grafana's "Export for sharing externally" writes it:
 * panels and targets refer to `${DS_LOA_INFLUXDB}`. Imported by hand, Grafana offers a data-source
 * picker for it and writes the chosen uid in its place; provisioned from files (where `__inputs` is
 * ignored), the dashboard's hidden data-source variable of that name resolves it, to the provisioned
 * `loa-influxdb` by default (sharing.ts).
 */
export const DATASOURCE_INPUT = 'DS_LOA_INFLUXDB';
export const DASHBOARD_DATASOURCE = { type: 'influxdb', uid: `\${${DATASOURCE_INPUT}}` } as const;
