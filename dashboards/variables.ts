import {
  CustomVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { COVERAGE_COMMUNE, COVERAGE_PROVINCE, HEARTBEAT } from '../protocol/index.js';
import { DASHBOARD_DATASOURCE, from } from './datasource.js';
import type { Messages } from '../i18n/index.js';
import type { PlaceNames } from './names.js';

/**
 * Place variables. Their values are the slugs the tags carry (the only thing a query can filter on).
 * Without an inventory they are read from InfluxDB, and a tag query can only list slugs; built with
 * the inventory (`loa dashboards build --inventory DIR`) they are custom lists of text/value pairs
 * (`Xã Vĩnh An` shown, `vinh-an` queried), so the drop-downs show Vietnamese names. Tables show the
 * names either way, from the coverage `name` fields.
 */
function tagVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DASHBOARD_DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
}

/**
 * Grafana's custom variable: its query in Grafana's `text : value` syntax, comma-separated (a comma in
 * a name is escaped), and the same pairs as options, as Grafana saves them.
 */
function namedVariable(name: string, label: string, places: readonly { id: string; name: string }[]) {
  const first = places[0];
  const builder = new CustomVariableBuilder(name)
    .label(label)
    .values(places.map((p) => `${p.name.replace(/,/g, '\\,')} : ${p.id}`).join(','))
    .options(places.map((p, i) => ({ text: p.name, value: p.id, selected: i === 0 })));
  return first === undefined
    ? builder
    : builder.current({ text: first.name, value: first.id, selected: true });
}

export const provinceVariable = (m: Messages, names?: PlaceNames) =>
  names !== undefined
    ? namedVariable('province', m.t('grafana.var.province'), names.provinces)
    : tagVariable(
        'province',
        m.t('grafana.var.province'),
        `SHOW TAG VALUES FROM ${from(COVERAGE_PROVINCE)} WITH KEY = "${COVERAGE_PROVINCE.tag.province}"`,
      );

export const communeVariable = (m: Messages, names?: PlaceNames) =>
  names !== undefined
    ? namedVariable('commune', m.t('grafana.var.commune'), names.communes)
    : tagVariable(
        'commune',
        m.t('grafana.var.commune'),
        `SHOW TAG VALUES FROM ${from(COVERAGE_COMMUNE)} WITH KEY = "${COVERAGE_COMMUNE.tag.commune}" WHERE "${COVERAGE_COMMUNE.tag.province}" = '$province'`,
      );

export const deviceVariable = (m: Messages) =>
  tagVariable(
    'device',
    m.t('grafana.var.device'),
    `SHOW TAG VALUES FROM ${from(HEARTBEAT)} WITH KEY = "${HEARTBEAT.tag.device}" WHERE "${HEARTBEAT.tag.province}" = '$province' AND "${HEARTBEAT.tag.commune}" = '$commune'`,
  );
