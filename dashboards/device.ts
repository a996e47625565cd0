import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Messages } from '../i18n/index.js';
import { BROADCAST, EVENT, HEARTBEAT, PRESENCE, type Measurement } from '../protocol/index.js';
import { from } from './datasource.js';
import { influxql, tagIs } from './influxql.js';
import { communeVariable, deviceVariable, provinceVariable } from './variables.js';
import { classicDashboard, type ClassicDashboard } from './classic.js';
import type { PlaceNames } from './names.js';

const isDevice = `${tagIs('province')} AND ${tagIs('commune')} AND ${tagIs('device')}`;

/** Heartbeat fields and the label each is shown with. */
type Readings = Partial<Record<keyof typeof HEARTBEAT.fields, string>>;

function readings(title: string, unit: string, fields: Readings, y: number, x: number) {
  const select = Object.entries(fields)
    .map(([field, label]) => `mean("${field}") AS "${label}"`)
    .join(', ');
  return new timeseries.PanelBuilder()
    .title(title)
    .unit(unit)
    .gridPos({ x, y, w: 12, h: 8 })
    .withTarget(
      influxql(
        `SELECT ${select} FROM ${from(HEARTBEAT)} WHERE ${isDevice} AND $timeFilter GROUP BY time($__interval) fill(null)`,
      ),
    );
}

const B = BROADCAST;
/** Quoted column names for a SELECT: `"type", "detail"`. */
const columns = (...names: string[]) => names.map((n) => `"${n}"`).join(', ');

/** The device's records of one measurement in the time range, newest first (at most 500). */
function recordsTable(
  title: string,
  measurement: Measurement,
  select: string,
  gridPos: { x: number; y: number; w: number; h: number },
) {
  return new table.PanelBuilder()
    .title(title)
    .gridPos(gridPos)
    .withTarget(
      influxql(
        `SELECT ${select} FROM ${from(measurement)} WHERE ${isDevice} AND $timeFilter ORDER BY time DESC LIMIT 500`,
      ).table(),
    );
}

/** (c) Device: one station or cluster, its heartbeat fields, events and broadcast log. */
export function deviceDashboard(m: Messages, names?: PlaceNames): ClassicDashboard {
  return classicDashboard(m.t('grafana.device.title'), { uid: 'loa-device', from: 'now-24h' })
    .withVariable(provinceVariable(m, names))
    .withVariable(communeVariable(m, names))
    .withVariable(deviceVariable(m))
    .withPanel(
      readings(m.t('grafana.device.supply'), 'volt', { mains_v: 'mains', battery_v: 'battery' }, 0, 0),
    )
    .withPanel(
      readings(
        m.t('grafana.device.signal'),
        'none',
        { rssi_dbm: 'rssi dBm', temp_c: 'temperature °C' },
        0,
        12,
      ),
    )
    .withPanel(readings(m.t('grafana.device.volume'), 'percent', { volume_pct: 'volume' }, 8, 0))
    .withPanel(
      new statetimeline.PanelBuilder()
        .title(m.t('grafana.device.states'))
        .gridPos({ x: 12, y: 8, w: 12, h: 8 })
        .withTarget(
          influxql(
            `SELECT last("${HEARTBEAT.field.power}") AS "power", last("${HEARTBEAT.field.amp}") AS "amp", last("${HEARTBEAT.field.relay}") AS "relay" FROM ${from(HEARTBEAT)} WHERE ${isDevice} AND $timeFilter GROUP BY time($__interval) fill(none)`,
          ),
        ),
    )
    .withPanel(
      // `count` (always 1) is selected because InfluxDB drops rows whose selected fields are all null, and
      // most events carry no detail.
      recordsTable(
        m.t('grafana.device.events'),
        EVENT,
        columns(EVENT.tag.type, EVENT.field.detail, EVENT.field.count),
        {
          x: 0,
          y: 16,
          w: 12,
          h: 9,
        },
      ),
    )
    .withPanel(
      recordsTable(
        m.t('grafana.device.presence'),
        PRESENCE,
        columns(PRESENCE.field.online, PRESENCE.field.reason, PRESENCE.field.session),
        {
          x: 12,
          y: 16,
          w: 12,
          h: 9,
        },
      ),
    )
    .withPanel(
      recordsTable(
        m.t('grafana.device.log'),
        BROADCAST,
        `${columns(B.tag.priority, B.tag.source, B.tag.status)}, "${B.field.duration_s}" AS "duration", ${columns(B.field.program, B.field.bulletin, B.field.id)}`,
        { x: 0, y: 25, w: 24, h: 10 },
      ).overrideByName('duration', [{ id: 'unit', value: 's' }]),
    )
    .build();
}
