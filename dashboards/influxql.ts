import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { DASHBOARD_DATASOURCE } from './datasource.js';

/**
 * The InfluxQL target of Grafana's InfluxDB data source, which the foundation SDK does not model
 * (docs/design.md#facts-worth-keeping-at-hand). Raw mode only: every query is a full InfluxQL statement, so what the dashboard runs is
 * exactly the text the panel test expands and runs against a real InfluxDB.
 */
export interface InfluxQlTarget extends Dataquery {
  refId: string;
  datasource: { type: string; uid: string };
  query: string;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  alias?: string;
}

export class InfluxQlQueryBuilder implements Builder<InfluxQlTarget> {
  private readonly target: Omit<InfluxQlTarget, '_implementsDataqueryVariant'>;

  constructor(query: string) {
    this.target = {
      refId: 'A',
      datasource: DASHBOARD_DATASOURCE,
      query,
      rawQuery: true,
      resultFormat: 'time_series',
    };
  }

  refId(refId: string): this {
    this.target.refId = refId;
    return this;
  }

  /** Tables keep tags as columns and one row per point; time series become one frame per series. */
  table(): this {
    this.target.resultFormat = 'table';
    return this;
  }

  /** Series name in legends, e.g. `$tag_device` (Grafana's InfluxDB alias patterns). */
  alias(alias: string): this {
    this.target.alias = alias;
    return this;
  }

  build(): InfluxQlTarget {
    // The SDK's Dataquery is a nominal marker; the JSON Grafana reads has no such member.
    return { ...this.target } as InfluxQlTarget;
  }
}

export function influxql(query: string): InfluxQlQueryBuilder {
  return new InfluxQlQueryBuilder(query);
}

/** A tag condition on a template variable: `"province" = '$province'` (single-value variables only). */
export function tagIs(tag: string, variable: string = tag): string {
  return `"${tag}" = '$${variable}'`;
}
