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
import type { Messages } from '../i18n/index.js';
import { COVERAGE_COMMUNE, COVERAGE_DEVICE, COVERAGE_PROVINCE } from '../protocol/index.js';
import { COMMUNE_HAMLETS_OK_PCT, PROVINCE_HAMLETS_OK_PCT } from './coverage-share.js';
import { from } from './datasource.js';
import { fieldLabel } from './fields.js';
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
export function provinceDashboard(m: Messages, names?: PlaceNames): ClassicDashboard {
  return classicDashboard(m.t('grafana.province.title'), { uid: 'loa-province', from: 'now-30d' })
    .withVariable(provinceVariable(m, names))
    .withPanel(
      new stat.PanelBuilder()
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
        .title(m.t('grafana.province.covered'))
        .description(m.t('grafana.province.coveredHelp'))
        .unit('percent')
        .decimals(1)
        .thresholds(percentSteps(90, 100))
        .gridPos({ x: 0, y: 0, w: 6, h: 5 })
        .withTarget(
          influxql(
            `SELECT ${PROVINCE_HAMLETS_OK_PCT} AS "covered" FROM ${from(COVERAGE_PROVINCE)} WHERE ${inProvince} AND $timeFilter`,
          ),
        ),
    )
    .withPanel(
      new stat.PanelBuilder()
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
        .title(m.t('grafana.province.meeting'))
        .description(m.t('grafana.province.meetingHelp'))
        .gridPos({ x: 6, y: 0, w: 6, h: 5 })
        .withTarget(
          influxql(
            `SELECT last("${COVERAGE_PROVINCE.field.communes_meeting}") AS "meeting", last("${COVERAGE_PROVINCE.field.communes}") AS "communes", last("${COVERAGE_PROVINCE.field.communes_unverified}") AS "unverified" FROM ${from(COVERAGE_PROVINCE)} WHERE ${inProvince} AND $timeFilter`,
          ),
        ),
    )
    .withPanel(
      new geomap.PanelBuilder()
        .title(m.t('grafana.province.map'))
        .description(m.t('grafana.province.mapHelp'))
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
            `SELECT last("${COVERAGE_DEVICE.field.status}") AS "status", last("${COVERAGE_DEVICE.field.lat}") AS "lat", last("${COVERAGE_DEVICE.field.lon}") AS "lon", last("${COVERAGE_DEVICE.field.hamlets}") AS "hamlets" FROM ${from(COVERAGE_DEVICE)} WHERE ${inProvince} AND "${COVERAGE_DEVICE.tag.kind}" = 'cluster' AND $timeFilter GROUP BY "${COVERAGE_DEVICE.tag.device}", "${COVERAGE_DEVICE.tag.commune}"`,
          ).table(),
        ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(m.t('grafana.province.overTime'))
        .unit('percent')
        .min(0)
        .max(100)
        .gridPos({ x: 0, y: 5, w: 12, h: 9 })
        .withTarget(
          influxql(
            `SELECT ${PROVINCE_HAMLETS_OK_PCT} AS "hamlets covered", last("${COVERAGE_PROVINCE.field.communes_meeting}") / last("${COVERAGE_PROVINCE.field.communes}") * 100 AS "communes meeting" FROM ${from(COVERAGE_PROVINCE)} WHERE ${inProvince} AND $timeFilter GROUP BY time($__interval) fill(previous)`,
          ),
        ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title(m.t('grafana.province.worst'))
        .description(m.t('grafana.province.worstHelp'))
        .gridPos({ x: 0, y: 14, w: 24, h: 10 })
        .sortBy([new TableSortByFieldStateBuilder().displayName(fieldLabel(m, 'covered %'))])
        .overrideByName('since', [{ id: 'unit', value: 'dateTimeAsLocal' }])
        .withTarget(
          influxql(
            `SELECT ${COMMUNE_HAMLETS_OK_PCT} AS "covered %", last("${COVERAGE_COMMUNE.field.name}") AS "name", last("${COVERAGE_COMMUNE.field.status}") AS "status", last("${COVERAGE_COMMUNE.field.covered}") AS "covered", last("${COVERAGE_COMMUNE.field.hamlets}") AS "hamlets", last("${COVERAGE_COMMUNE.field.station}") AS "station", last("${COVERAGE_COMMUNE.field.since}") AS "since" FROM ${from(COVERAGE_COMMUNE)} WHERE ${inProvince} AND $timeFilter GROUP BY "${COVERAGE_COMMUNE.tag.commune}"`,
          ).table(),
        ),
    )
    .build();
}
