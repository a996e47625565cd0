/**
 * Prometheus text exposition (format 0.0.4) from values read at scrape time. Hot paths keep plain
 * numbers; a collector turns them into samples only when /metrics is asked, so counting costs nothing.
 */
export type MetricType = 'counter' | 'gauge';

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly { labels?: Readonly<Record<string, string>>; value: number }[];
}

export type Collector = () => readonly MetricFamily[];

/** A family of one sample: most self-metrics are a single number. */
export function counter(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'counter', samples: [{ value }] };
}

export function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'gauge', samples: [{ value }] };
}

/** A counter broken down by one label: `{ reason: 'schema' } 3`, … */
export function labelled(
  name: string,
  help: string,
  label: string,
  values: Readonly<Record<string, number>>,
): MetricFamily {
  return {
    name,
    help,
    type: 'counter',
    samples: Object.entries(values).map(([key, value]) => ({ labels: { [label]: key }, value })),
  };
}

/** A value of a service's snapshot: a number, a yes/no gauge, or a number per label value. */
export type MetricValue = number | boolean | Readonly<Record<string, number>>;

/**
 * A metric declared once, beside the name it has in the service's snapshot (`stats()`, read by tests
 * and the status line): the Prometheus family it is exposed as. A service keeps one list of these and
 * renders /metrics from it with `familiesOf`, instead of naming each number again by hand.
 */
export interface MetricDefinition<S> {
  /** Its name in the snapshot. */
  key: keyof S & string;
  /** Its Prometheus family: a stable name, dashboards and alert rules depend on it. */
  name: string;
  help: string;
  type: MetricType;
  /** A family broken down by one label; the snapshot holds a number per label value. */
  label?: string;
  /** Snapshot units in one unit of the family (1000 from milliseconds to seconds). */
  perUnit?: number;
}

/** The Prometheus families of `definitions`, read from one snapshot. */
export function familiesOf<S extends Readonly<Record<keyof S, MetricValue>>>(
  definitions: readonly MetricDefinition<S>[],
  snapshot: S,
): MetricFamily[] {
  return definitions.map(({ key, name, help, type, label, perUnit = 1 }) => {
    const value: MetricValue = snapshot[key];
    if (typeof value === 'object') {
      if (label === undefined) throw new Error(`metric ${name}: a record needs a label`);
      return { ...labelled(name, help, label, value), type };
    }
    const n = typeof value === 'boolean' ? Number(value) : value / perUnit;
    return { name, help, type, samples: [{ value: n }] };
  });
}

export class MetricsRegistry {
  private readonly collectors: Collector[] = [processMetricFamilies];

  register(collector: Collector): void {
    this.collectors.push(collector);
  }

  render(): string {
    const out: string[] = [];
    for (const collect of this.collectors) {
      for (const family of collect()) {
        out.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
        out.push(`# TYPE ${family.name} ${family.type}`);
        for (const sample of family.samples) {
          out.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
        }
      }
    }
    return out.join('\n') + '\n';
  }
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The process's own memory and CPU, under the names Prometheus client libraries use. */
export function processMetricFamilies(): MetricFamily[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', mem.rss),
    gauge('nodejs_heap_size_total_bytes', 'V8 heap size in bytes.', mem.heapTotal),
    gauge('nodejs_heap_size_used_bytes', 'V8 heap used in bytes.', mem.heapUsed),
    gauge(
      'nodejs_external_memory_bytes',
      'Memory of C++ objects bound to JavaScript (buffers).',
      mem.external,
    ),
    counter(
      'process_cpu_seconds_total',
      'User and system CPU time spent, in seconds.',
      (cpu.user + cpu.system) / 1e6,
    ),
  ];
}
