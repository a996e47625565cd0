/**
 * Stable uids of the data sources the provisioned YAML creates; the dashboards refer to them by uid,
 * so a Grafana that provisions both finds them without any manual mapping.
 */
export const INFLUX_DATASOURCE = { type: 'influxdb', uid: 'loa-influxdb' } as const;

/** Retention policies of the storage schema (docs/protocol.md §10), named in every query. */
export const RAW = '"raw"';
export const LONG = '"long"';

/**
 * The data-source input of the dashboards, as Grafana's "Export for sharing externally" writes it:
 * panels and targets refer to `${DS_LOA_INFLUXDB}`. Imported by hand, Grafana offers a data-source
 * picker for it and writes the chosen uid in its place; provisioned from files (where `__inputs` is
 * ignored), the dashboard's hidden data-source variable of that name resolves it, to the provisioned
 * `loa-influxdb` by default (sharing.ts).
 */
export const DATASOURCE_INPUT = 'DS_LOA_INFLUXDB';
export const DASHBOARD_DATASOURCE = { type: 'influxdb', uid: `\${${DATASOURCE_INPUT}}` } as const;
