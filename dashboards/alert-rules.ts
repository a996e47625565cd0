import { COVERAGE_PROVINCE, HEARTBEAT } from '../protocol/index.js';
import { PROVINCE_HAMLETS_OK_PCT } from './coverage-share.js';
import { INFLUX_DATASOURCE, from } from './datasource.js';

/**
 * Grafana-managed alert rules, for teams that prefer Grafana's alerting to Loa's own (coverage/).
 *
 * `noDataState: Alerting` on purpose: these queries return nothing exactly when telemetry stops (the
 * ingest or the coverage engine is down, a whole province is cut off), and a silent station is the
 * failure being watched for; `NoData` or `OK` would hide it. A device that has been silent longer than
 * the query's look-back drops out of the result and Grafana resolves its alert as a missing series:
 * Loa's own `device_offline` has no such horizon, which is one reason to prefer it.
 */
function rule(o: {
  uid: string;
  title: string;
  query: string;
  lookbackS: number;
  /** Fires when the reduced value is below this. */
  below: number;
  forDuration: string;
  summary: string;
}) {
  return {
    uid: o.uid,
    title: o.title,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: o.lookbackS, to: 0 },
        datasourceUid: INFLUX_DATASOURCE.uid,
        model: { refId: 'A', query: o.query, rawQuery: true, resultFormat: 'time_series' },
      },
      {
        refId: 'B',
        datasourceUid: '__expr__',
        model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' } },
      },
      {
        refId: 'C',
        datasourceUid: '__expr__',
        model: {
          refId: 'C',
          type: 'threshold',
          expression: 'B',
          conditions: [{ evaluator: { type: 'lt', params: [o.below] } }],
        },
      },
    ],
    noDataState: 'Alerting',
    execErrState: 'Error',
    for: o.forDuration,
    annotations: { summary: o.summary },
    labels: { team: 'loa' },
  };
}

export const ALERT_RULE_QUERIES = {
  hamletsCovered: `SELECT ${PROVINCE_HAMLETS_OK_PCT} AS "covered_pct" FROM ${from(COVERAGE_PROVINCE)} WHERE $timeFilter GROUP BY "${COVERAGE_PROVINCE.tag.province}"`,
  // fill(0) keeps a row for a device that has gone quiet inside the look-back: its last bucket is 0.
  deviceHeartbeats: `SELECT count("${HEARTBEAT.field.seq}") AS "heartbeats" FROM ${from(HEARTBEAT)} WHERE $timeFilter GROUP BY time(5m), "${HEARTBEAT.tag.province}", "${HEARTBEAT.tag.commune}", "${HEARTBEAT.tag.device}" fill(0)`,
} as const;

export function alertRules() {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'loa-coverage',
        folder: 'Loa',
        interval: '1m',
        rules: [
          rule({
            uid: 'loa-hamlets-covered',
            title: 'Province: hamlets covered below 100 %',
            query: ALERT_RULE_QUERIES.hamletsCovered,
            lookbackS: 600,
            below: 100,
            forDuration: '10m',
            summary: 'Some hamlets of {{ $labels.province }} have no working loudspeaker cluster.',
          }),
          rule({
            uid: 'loa-device-silent',
            title: 'Device silent for 5 minutes',
            query: ALERT_RULE_QUERIES.deviceHeartbeats,
            lookbackS: 6 * 3600,
            below: 1,
            // A bucket that has just begun may briefly count 0: five minutes pending rides over it.
            forDuration: '5m',
            summary:
              '{{ $labels.device }} ({{ $labels.commune }}, {{ $labels.province }}) sends no heartbeats.',
          }),
        ],
      },
    ],
  };
}
