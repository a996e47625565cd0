import type { Messages } from '../i18n/index.js';
import type { ClassicDashboard } from './classic.js';
import { DATASOURCE_INPUT, INFLUX_DATASOURCE } from './datasource.js';

/** Grafana's names of the panel plugins the dashboards use, for `__requires`. */
const PANEL_NAMES: Readonly<Record<string, string>> = {
  barchart: 'Bar chart',
  geomap: 'Geomap',
  stat: 'Stat',
  'state-timeline': 'State timeline',
  table: 'Table',
  timeseries: 'Time series',
};

/**
 * A dashboard that works both ways, as Grafana's "Export for sharing externally" shapes it:
 * `__inputs` names the data source the panels refer to as `${DS_LOA_INFLUXDB}`, so Dashboards → Import
 * offers a picker and writes the chosen uid in; `__requires` lists Grafana, the InfluxDB plugin and the
 * panel plugins. Provisioned from files, Grafana ignores both, and a hidden data-source variable of
 * the input's name resolves `${DS_LOA_INFLUXDB}`: the provisioned `loa-influxdb`, or else the first
 * InfluxDB data source.
 */
export function forSharing(dashboard: ClassicDashboard, m: Messages): Record<string, unknown> {
  const panelTypes = [...new Set((dashboard.panels ?? []).map((p) => p.type))].sort();
  const datasourceVariable = {
    type: 'datasource',
    name: DATASOURCE_INPUT,
    label: m.t('grafana.var.datasource'),
    query: 'influxdb',
    current: { text: 'Loa InfluxDB', value: INFLUX_DATASOURCE.uid },
    // Hidden: imported dashboards have the uid written in, provisioned ones use Loa's own source.
    hide: 2,
    options: [],
    refresh: 1,
    regex: '',
  };
  return {
    __inputs: [
      {
        name: DATASOURCE_INPUT,
        label: 'Loa InfluxDB',
        description: m.t('grafana.input.description'),
        type: 'datasource',
        pluginId: 'influxdb',
        pluginName: 'InfluxDB',
      },
    ],
    __requires: [
      // The oldest Grafana the files are written for (docs/grafana.md).
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'influxdb', name: 'InfluxDB', version: '1.0.0' },
      ...panelTypes.map((id) => ({ type: 'panel', id, name: PANEL_NAMES[id] ?? id, version: '' })),
    ],
    ...dashboard,
    templating: { list: [datasourceVariable, ...(dashboard.templating.list ?? [])] },
  };
}
