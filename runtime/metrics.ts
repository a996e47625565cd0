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

export class MetricsRegistry {
  private readonly collectors: Collector[] = [];

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
