import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import type { Messages } from '../i18n/index.js';
import { ALERT, BROADCAST, COVERAGE_HAMLET, HEARTBEAT } from '../protocol/index.js';
import { from } from './datasource.js';
import { influxql, tagIs } from './influxql.js';
import { communeVariable, provinceVariable } from './variables.js';
import { classicDashboard, type ClassicDashboard } from './classic.js';
import type { PlaceNames } from './names.js';

const inCommune = `${tagIs('province')} AND ${tagIs('commune')}`;
/** Vietnam keeps UTC+7 all year: a day bucket offset by −7 h starts at local midnight. */
const LOCAL_DAY = 'time(1d, -7h)';

/** (b) Commune: its hamlets, its devices, and whether it broadcasts as scheduled. */
export function communeDashboard(m: Messages, names?: PlaceNames): ClassicDashboard {
  return classicDashboard(m.t('grafana.commune.title'), { uid: 'loa-commune', from: 'now-7d' })
    .withVariable(provinceVariable(m, names))
    .withVariable(communeVariable(m, names))
    .withPanel(
      new table.PanelBuilder()
        .title(m.t('grafana.commune.hamlets'))
        .description(m.t('grafana.commune.hamletsHelp'))
        .gridPos({ x: 0, y: 0, w: 12, h: 9 })
        .overrideByName('since', [{ id: 'unit', value: 'dateTimeAsLocal' }])
        .withTarget(
          influxql(
            `SELECT last("${COVERAGE_HAMLET.field.name}") AS "name", last("${COVERAGE_HAMLET.field.status}") AS "status", last("${COVERAGE_HAMLET.field.since}") AS "since", last("${COVERAGE_HAMLET.field.clusters_up}") AS "clusters up", last("${COVERAGE_HAMLET.field.clusters}") AS "clusters", last("${COVERAGE_HAMLET.field.broadcast_days}") AS "broadcast days (of 7)" FROM ${from(COVERAGE_HAMLET)} WHERE ${inCommune} AND $timeFilter GROUP BY "${COVERAGE_HAMLET.tag.hamlet}"`,
          ).table(),
        ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title(m.t('grafana.commune.devices'))
        .description(m.t('grafana.commune.devicesHelp'))
        .gridPos({ x: 12, y: 0, w: 12, h: 9 })
        .withTarget(
          influxql(
            `SELECT "${HEARTBEAT.field.power}", "${HEARTBEAT.field.amp}", "${HEARTBEAT.field.relay}", "${HEARTBEAT.field.mains_v}", "${HEARTBEAT.field.battery_v}", "${HEARTBEAT.field.rssi_dbm}", "${HEARTBEAT.field.uptime_s}" FROM ${from(HEARTBEAT)} WHERE ${inCommune} AND $timeFilter GROUP BY "${HEARTBEAT.tag.device}", "${HEARTBEAT.tag.hamlet}", "${HEARTBEAT.tag.kind}" ORDER BY time DESC LIMIT 1`,
          ).table(),
        ),
    )
    .withPanel(heartbeatTimeline(m.t('grafana.commune.power'), 'power', 9))
    .withPanel(heartbeatTimeline(m.t('grafana.commune.amp'), 'amp', 17))
    .withPanel(
      new barchart.PanelBuilder()
        .title(m.t('grafana.commune.broadcasts'))
        .description(m.t('grafana.commune.broadcastsHelp'))
        .gridPos({ x: 0, y: 25, w: 24, h: 8 })
        .withTarget(
          influxql(
            `SELECT count("${BROADCAST.field.duration_s}") AS "broadcasts" FROM ${from(BROADCAST)} WHERE ${inCommune} AND "${BROADCAST.tag.status}" = 'completed' AND $timeFilter GROUP BY ${LOCAL_DAY} fill(0)`,
          ).refId('A'),
        )
        .withTarget(
          influxql(
            `SELECT count("${ALERT.field.message}") AS "windows missed" FROM ${from(ALERT)} WHERE ${inCommune} AND "${ALERT.tag.kind}" = 'broadcast_missed' AND "${ALERT.tag.state}" = 'firing' AND $timeFilter GROUP BY ${LOCAL_DAY} fill(0)`,
          ).refId('B'),
        ),
    )
    .build();
}

/** One heartbeat field of every device of the commune, as a state timeline. */
function heartbeatTimeline(title: string, field: keyof typeof HEARTBEAT.fields, y: number) {
  return new statetimeline.PanelBuilder()
    .title(title)
    .gridPos({ x: 0, y, w: 24, h: 8 })
    .withTarget(
      influxql(
        `SELECT last("${field}") AS "${field}" FROM ${from(HEARTBEAT)} WHERE ${inCommune} AND $timeFilter GROUP BY time($__interval), "${HEARTBEAT.tag.device}" fill(none)`,
      ).alias('$tag_device'),
    );
}
