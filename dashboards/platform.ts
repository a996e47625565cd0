import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Messages } from '../i18n/index.js';
import { BROKER_METRICS, INGEST_METRICS, REJECT } from '../protocol/index.js';
import { from } from './datasource.js';
import { influxql } from './influxql.js';
import { classicDashboard, type ClassicDashboard } from './classic.js';

type IngestField = keyof typeof INGEST_METRICS.fields;

function ingestPanel(title: string, unit: string, select: string, x: number, y: number) {
  return new timeseries.PanelBuilder()
    .title(title)
    .unit(unit)
    .gridPos({ x, y, w: 12, h: 8 })
    .withTarget(
      influxql(
        `SELECT ${select} FROM ${from(INGEST_METRICS)} WHERE $timeFilter GROUP BY time($__interval), "${INGEST_METRICS.tag.instance}" fill(null)`,
      ).alias('$tag_instance $col'),
    );
}

/** (d) Platform health: the ingest's own metrics (measurement `ingest`), rejects, broker connections. */
export function platformDashboard(m: Messages): ClassicDashboard {
  // The ingest's counters are cumulative since its start: a rate is their non-negative derivative.
  const rate = (field: IngestField) => `non_negative_derivative(last("${field}"), 1s) AS "${field}"`;
  const f = INGEST_METRICS.field;
  return classicDashboard(m.t('grafana.platform.title'), {
    uid: 'loa-platform',
    from: 'now-6h',
    refresh: '30s',
  })
    .withPanel(
      ingestPanel(
        m.t('grafana.platform.ingestRate'),
        'reqps',
        [rate(f.received), rate(f.written), rate(f.rejected)].join(', '),
        0,
        0,
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(m.t('grafana.platform.rejects'))
        .gridPos({ x: 12, y: 0, w: 12, h: 8 })
        .withTarget(
          influxql(
            `SELECT count("${REJECT.field.topic}") AS "rejects" FROM ${from(REJECT)} WHERE $timeFilter GROUP BY time($__interval), "${REJECT.tag.reason}" fill(0)`,
          ).alias('$tag_reason'),
        ),
    )
    .withPanel(
      ingestPanel(
        m.t('grafana.platform.latency'),
        'ms',
        `max("${f.write_p50_ms}") AS "write p50", max("${f.write_p99_ms}") AS "write p99", max("${f.stored_delay_p99_ms}") AS "publish→stored p99"`,
        0,
        8,
      ),
    )
    .withPanel(
      ingestPanel(
        m.t('grafana.platform.buffer'),
        'short',
        `max("${f.buffered}") AS "points in memory", max("${f.wal_pending_bytes}") AS "log bytes not yet written", last("${f.write_errors}") AS "write errors"`,
        12,
        8,
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(m.t('grafana.platform.broker'))
        .description(m.t('grafana.platform.brokerHelp'))
        .gridPos({ x: 0, y: 16, w: 24, h: 8 })
        .withTarget(
          influxql(
            `SELECT last("${BROKER_METRICS.field.connected}") AS "connected", non_negative_derivative(last("${BROKER_METRICS.field.auth_failures}"), 1s) AS "refused logins/s", non_negative_derivative(last("${BROKER_METRICS.field.publishes_refused}"), 1s) AS "refused publishes/s" FROM ${from(BROKER_METRICS)} WHERE $timeFilter GROUP BY time($__interval), "${BROKER_METRICS.tag.instance}" fill(null)`,
          ).alias('$tag_instance $col'),
        ),
    )
    .build();
}
