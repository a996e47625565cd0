import {
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  FrameGeometrySourceBuilder,
  ReduceDataOptionsBuilder,
  FrameGeometrySourceMode,
  MapLayerOptionsBuilder,
  TableSortByFieldStateBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import * as geomap from '@grafana/grafana-foundation-sdk/geomap';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { LONG } from './datasource.js';
import { influxql, tagIs } from './influxql.js';
import { provinceVariable } from './variables.js';
import { classicDashboard, type ClassicDashboard } from './classic.js';
import type { PlaceNames } from './names.js';

const inProvince = tagIs('province');

/** Red below `red`, green from `green` (percent of hamlets or communes). */
function percentSteps(red: number, green: number) {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: red, color: 'orange' },
    { value: green, color: 'green' },
  ]);
}

/** (a) Province: where coverage is lost, now and over the last 30 days. */
export function provinceDashboard(names?: PlaceNames): ClassicDashboard {
  return classicDashboard('Loa — Province coverage (tiêu chí 8.3)', { uid: 'loa-province', from: 'now-30d' })
    .withVariable(provinceVariable(names))
    .withPanel(
      new stat.PanelBuilder()
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
        .title('Hamlets covered now')
        .description(
          'Hamlets with at least one up cluster, of all hamlets in the inventory (coverage_province).',
        )
        .unit('percent')
        .decimals(1)
        .thresholds(percentSteps(90, 100))
        .gridPos({ x: 0, y: 0, w: 6, h: 5 })
        .withTarget(
          influxql(
            `SELECT last("hamlets_covered") / last("hamlets") * 100 AS "covered" FROM ${LONG}."coverage_province" WHERE ${inProvince} AND $timeFilter`,
          ),
        ),
    )
    .withPanel(
      new stat.PanelBuilder()
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
        .title('Communes meeting 8.3')
        .description('Communes whose station is up and every hamlet is covered and broadcasts regularly.')
        .gridPos({ x: 6, y: 0, w: 6, h: 5 })
        .withTarget(
          influxql(
            `SELECT last("communes_meeting") AS "meeting", last("communes") AS "communes", last("communes_unverified") AS "unverified" FROM ${LONG}."coverage_province" WHERE ${inProvince} AND $timeFilter`,
          ),
        ),
    )
    .withPanel(
      new geomap.PanelBuilder()
        .title('Loudspeaker clusters')
        .description(
          'Every cluster of the inventory at the lat/lon the inventory gives it (coverage_device, written by the coverage engine every minute and on each change): green up, red down, grey unmonitored (FM or wired: it cannot report, so nobody knows), orange stopped on purpose (it published shutdown), blue under maintenance. A cluster with no lat/lon in the inventory is not placed.',
        )
        .gridPos({ x: 12, y: 0, w: 12, h: 14 })
        .view(new geomap.MapViewConfigBuilder().id('fit').lat(10.5).lon(105.2).zoom(8))
        .layers([
          new MapLayerOptionsBuilder()
            .type('markers')
            .name('clusters')
            .location(
              new FrameGeometrySourceBuilder()
                .mode(FrameGeometrySourceMode.Coords)
                .latitude('lat')
                .longitude('lon'),
            )
            .config({
              style: {
                color: { field: 'status', fixed: 'grey' },
                size: { fixed: 6 },
              },
            })
            .tooltip(true),
        ])
        .mappings([
          {
            type: MappingType.ValueToText,
            options: {
              up: { color: 'green', index: 0 },
              down: { color: 'red', index: 1 },
              unmonitored: { color: 'grey', index: 2 },
              stopped: { color: 'orange', index: 3 },
              maintenance: { color: 'blue', index: 4 },
            },
          },
        ])
        .withTarget(
          influxql(
            `SELECT last("status") AS "status", last("lat") AS "lat", last("lon") AS "lon", last("hamlets") AS "hamlets" FROM ${LONG}."coverage_device" WHERE ${inProvince} AND "kind" = 'cluster' AND $timeFilter GROUP BY "device", "commune"`,
          ).table(),
        ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title('Coverage over time')
        .unit('percent')
        .min(0)
        .max(100)
        .gridPos({ x: 0, y: 5, w: 12, h: 9 })
        .withTarget(
          influxql(
            `SELECT last("hamlets_covered") / last("hamlets") * 100 AS "hamlets covered", last("communes_meeting") / last("communes") * 100 AS "communes meeting 8.3" FROM ${LONG}."coverage_province" WHERE ${inProvince} AND $timeFilter GROUP BY time($__interval) fill(previous)`,
          ),
        ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title('Worst communes')
        .description(
          'Latest status of every commune, fewest covered hamlets first; since = when the status began.',
        )
        .gridPos({ x: 0, y: 14, w: 24, h: 10 })
        .sortBy([new TableSortByFieldStateBuilder().displayName('covered %')])
        .overrideByName('since', [{ id: 'unit', value: 'dateTimeAsLocal' }])
        .withTarget(
          influxql(
            `SELECT last("covered") / last("hamlets") * 100 AS "covered %", last("name") AS "name", last("status") AS "status", last("covered") AS "covered", last("hamlets") AS "hamlets", last("station") AS "station", last("since") AS "since" FROM ${LONG}."coverage_commune" WHERE ${inProvince} AND $timeFilter GROUP BY "commune"`,
          ).table(),
        ),
    )
    .build();
}
