/**
 * Stable uids of the data sources the provisioned YAML creates; the dashboards refer to them by uid,
 * so a Grafana that provisions both finds them without any manual mapping.
 */
export const INFLUX_DATASOURCE = { type: 'influxdb', uid: 'loa-influxdb' } as const;

/** Retention policies of the storage schema (docs/protocol.md §10), named in every query. */
export const RAW = '"raw"';
export const LONG = '"long"';
