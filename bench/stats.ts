/** Small statistics for benchmarks: the machine is shared and noisy, so report medians of repeats. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface Row {
  name: string;
  value: string;
  target: string;
  baseline?: string;
  ratio?: string;
  verdict: 'meets' | 'misses' | 'info';
}

export function printTable(rows: readonly Row[]): void {
  const headers = ['measure', 'measured (median)', 'target', 'baseline (same run)', 'ratio', ''];
  const cells = rows.map((r) => [
    r.name,
    r.value,
    r.target,
    r.baseline ?? '',
    r.ratio ?? '',
    r.verdict === 'info' ? '' : r.verdict,
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ');
  process.stdout.write(`${line(headers)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
