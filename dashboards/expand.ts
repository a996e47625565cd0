/**
 * What Grafana's InfluxDB (InfluxQL) data source does to a raw query before sending it, so that tests
 * can run a panel's query exactly as Grafana would: `$timeFilter`, `$__interval`, `$__interval_ms`,
 * `$__from`/`$__to`, and template variables as `$name`, `${name}` or `[[name]]`. Variables here are
 * single-valued tag slugs, which Grafana substitutes verbatim.
 */
export interface GrafanaContext {
  from: number;
  to: number;
  /** Panel width in data points; Grafana uses the panel's pixel width, about 1,000 on a wide panel. */
  maxDataPoints?: number;
  /** The data source's minimum interval (`timeInterval`, 10 s in the provisioned YAML). */
  minIntervalMs?: number;
  variables: Readonly<Record<string, string>>;
}

// Grafana's rangeutil.roundInterval: an interval snapped to a readable step.
const STEPS: [number, number][] = [
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1_500, 1_000],
  [3_500, 2_000],
  [7_500, 5_000],
  [12_500, 10_000],
  [17_500, 15_000],
  [25_000, 20_000],
  [45_000, 30_000],
  [90_000, 60_000],
  [210_000, 120_000],
  [450_000, 300_000],
  [750_000, 600_000],
  [1_050_000, 900_000],
  [1_500_000, 1_200_000],
  [2_700_000, 1_800_000],
  [5_400_000, 3_600_000],
  [9_000_000, 7_200_000],
  [16_200_000, 10_800_000],
  [32_400_000, 21_600_000],
  [86_400_000, 43_200_000],
  [604_800_000, 86_400_000],
  [1_814_400_000, 604_800_000],
  [3_628_800_000, 2_592_000_000],
];

export function roundInterval(ms: number): number {
  for (const [limit, step] of STEPS) if (ms < limit) return step;
  return 31_536_000_000;
}

/** `$__interval` as Grafana writes it: the largest whole unit (ms, s, m, h, d). */
export function formatInterval(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function intervalMs(ctx: GrafanaContext): number {
  const raw = (ctx.to - ctx.from) / (ctx.maxDataPoints ?? 1000);
  return Math.max(roundInterval(raw), ctx.minIntervalMs ?? 10_000);
}

export class UnknownVariableError extends Error {}

export function expandQuery(query: string, ctx: GrafanaContext): string {
  const interval = intervalMs(ctx);
  const builtins: Record<string, string> = {
    timeFilter: `time >= ${ctx.from}ms and time <= ${ctx.to}ms`,
    __interval: formatInterval(interval),
    __interval_ms: String(interval),
    __from: String(ctx.from),
    __to: String(ctx.to),
  };
  const value = (name: string): string => {
    const v = builtins[name] ?? ctx.variables[name];
    if (v === undefined) throw new UnknownVariableError(`query uses $${name}, which has no value: ${query}`);
    return v;
  };
  return query.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (_m, a?: string, b?: string, c?: string) =>
    value(a ?? b ?? c ?? ''),
  );
}
