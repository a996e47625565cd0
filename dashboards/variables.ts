import {
  CustomVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { INFLUX_DATASOURCE, LONG, RAW } from './datasource.js';
import type { PlaceNames } from './names.js';

/**
 * Place variables. Their values are the slugs the tags carry (the only thing a query can filter on).
 * Without an inventory they are read from InfluxDB, and a tag query can only list slugs; built with
 * the inventory (`loa dashboards build --inventory DIR`) they are custom lists of `Tên : slug`, so the
 * drop-downs show Vietnamese names. Tables show the names either way, from the coverage `name` fields.
 */
function tagVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(INFLUX_DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.AlphabeticalAsc);
}

/** Grafana's custom variable syntax: `text : value`, comma-separated (a comma in a name is escaped). */
function namedVariable(name: string, label: string, places: readonly { id: string; name: string }[]) {
  const first = places[0];
  const builder = new CustomVariableBuilder(name)
    .label(label)
    .values(places.map((p) => `${p.name.replace(/,/g, '\\,')} : ${p.id}`).join(','));
  return first === undefined ? builder : builder.current({ text: first.name, value: first.id });
}

export const provinceVariable = (names?: PlaceNames) =>
  names !== undefined
    ? namedVariable('province', 'Tỉnh (province)', names.provinces)
    : tagVariable(
        'province',
        'Tỉnh (province)',
        `SHOW TAG VALUES FROM ${LONG}."coverage_province" WITH KEY = "province"`,
      );

export const communeVariable = (names?: PlaceNames) =>
  names !== undefined
    ? namedVariable('commune', 'Xã (commune)', names.communes)
    : tagVariable(
        'commune',
        'Xã (commune)',
        `SHOW TAG VALUES FROM ${LONG}."coverage_commune" WITH KEY = "commune" WHERE "province" = '$province'`,
      );

export const deviceVariable = () =>
  tagVariable(
    'device',
    'Thiết bị (device)',
    `SHOW TAG VALUES FROM ${RAW}."heartbeat" WITH KEY = "device" WHERE "province" = '$province' AND "commune" = '$commune'`,
  );
