import { ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import type { Messages } from '../i18n/index.js';
import { ALERT, BROADCAST } from '../protocol/index.js';
import { from } from './datasource.js';
import { influxql, tagIs } from './influxql.js';
import { provinceVariable } from './variables.js';
import { classicDashboard, type ClassicDashboard } from './classic.js';
import type { PlaceNames } from './names.js';

const emergencies = `${tagIs('province')} AND "priority" = 'emergency' AND $timeFilter`;

/** (e) Emergency bulletins: which clusters played each one, and where the engine saw one missing. */
export function emergencyDashboard(m: Messages, names?: PlaceNames): ClassicDashboard {
  return classicDashboard(m.t('grafana.emergency.title'), { uid: 'loa-emergency', from: 'now-7d' })
    .withVariable(provinceVariable(m, names))
    .withPanel(
      new stat.PanelBuilder()
        .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
        .title(m.t('grafana.emergency.byStatus'))
        .gridPos({ x: 0, y: 0, w: 8, h: 6 })
        .withTarget(
          influxql(
            `SELECT count("${BROADCAST.field.id}") AS "logs" FROM ${from(BROADCAST)} WHERE ${emergencies} GROUP BY "${BROADCAST.tag.status}"`,
          ).alias('$tag_status'),
        ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title(m.t('grafana.emergency.undelivered'))
        .description(m.t('grafana.emergency.undeliveredHelp'))
        .gridPos({ x: 8, y: 0, w: 16, h: 6 })
        .withTarget(
          influxql(
            `SELECT "${ALERT.tag.commune}", "${ALERT.tag.state}", "${ALERT.field.message}", "${ALERT.field.device}" AS "clusters missing" FROM ${from(ALERT)} WHERE ${tagIs('province')} AND "${ALERT.tag.kind}" = 'emergency_undelivered' AND $timeFilter ORDER BY time DESC LIMIT 200`,
          ).table(),
        ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title(m.t('grafana.emergency.log'))
        .gridPos({ x: 0, y: 6, w: 24, h: 12 })
        .withTarget(
          influxql(
            `SELECT "${BROADCAST.field.bulletin}", "${BROADCAST.tag.commune}", "${BROADCAST.tag.device}", "${BROADCAST.tag.status}", "${BROADCAST.field.duration_s}", "${BROADCAST.field.program}" FROM ${from(BROADCAST)} WHERE ${emergencies} ORDER BY time DESC LIMIT 1000`,
          ).table(),
        ),
    )
    .build();
}
