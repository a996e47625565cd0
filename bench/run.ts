// `npm run bench`: the benchmark suite, one table. Figures are medians of repeats, each beside its
// target (DESIGN §8) and a baseline measured in the same run, because this machine is shared and noisy.
// BENCH_SECONDS sets the end-to-end duration (default 60, the target's), BENCH_DEVICES the connections,
// BENCH_ONLY=pipeline|e2e runs one part.
import { benchEndToEnd } from './e2e.js';
import { benchPipeline } from './pipeline.js';
import { fmt, printTable, type Row } from './stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const devices = Number(process.env.BENCH_DEVICES ?? 200);
// Ctrl-C or a time-out still runs the exit hooks that stop the private influxd and `loa up`.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const only = process.env.BENCH_ONLY;
const rows: Row[] = [];

if (only === undefined || only === 'pipeline') {
  process.stderr.write('pipeline (one core)…\n');
  const p = benchPipeline();
  rows.push({
    name: 'pipeline: parse+validate+map+serialise',
    value: `${fmt(p.rate)} msg/s`,
    target: '≥ 300,000 msg/s',
    baseline: `bare loop ${fmt(p.bareRate)} msg/s`,
    ratio: `${fmt(p.rate / p.bareRate, 2)}×`,
    verdict: p.rate >= 300_000 ? 'meets' : 'misses',
  });
}

if (only === undefined || only === 'e2e') {
  process.stderr.write(`end to end, ${devices} devices for ${seconds} s…\n`);
  const e = await benchEndToEnd({ seconds, devices });
  const lost = e.acked - e.stored;
  rows.push(
    {
      name: `end to end: ${e.devices} devices → broker → ingest → InfluxDB`,
      value: `${fmt(e.storedRate)} msg/s stored over ${fmt(e.seconds)} s`,
      target: '≥ 20,000 msg/s for 60 s',
      baseline: `influxd alone ${fmt(e.ceilingRate)} points/s`,
      ratio: `${fmt((100 * e.storedRate) / e.ceilingRate)} % (target ≥ 30 %)`,
      verdict: e.storedRate >= 20_000 && e.seconds >= 60 && lost === 0 ? 'meets' : 'misses',
    },
    {
      name: 'naive flow: one write per message (influx client)',
      value: `${fmt(e.naive.storedRate)} msg/s stored; ${fmt(e.naive.acked - e.naive.stored)} of ${fmt(e.naive.acked)} acknowledged not stored`,
      target: '',
      baseline: '',
      ratio: `Loa ${fmt(e.storedRate / Math.max(1, e.naive.storedRate), 1)}× the naive flow`,
      verdict: 'info',
    },
    {
      name: `publish → queryable at ${fmt(e.latencyRate)} msg/s`,
      value: `p50 ${fmt(e.latencyP50Ms)} ms, p99 ${fmt(e.latencyP99Ms)} ms (${fmt(e.latencySamples)} samples)`,
      target: 'p99 ≤ 2 s at 5,000 msg/s',
      verdict: e.latencyP99Ms <= 2000 && e.latencySamples > 100 ? 'meets' : 'misses',
    },
    {
      name: 'end to end: acknowledged vs stored',
      value: `${fmt(e.acked)} acked, ${fmt(e.stored)} stored, ${fmt(lost)} lost; drained ${fmt(e.drainSeconds, 1)} s after the last publish`,
      target: '0 lost',
      verdict: lost === 0 ? 'meets' : 'misses',
    },
    {
      name: `loa up RSS held at ${fmt(e.pacedRate)} msg/s`,
      value: `median ${fmt(e.pacedMedianRssMb)} MB, max ${fmt(e.pacedMaxRssMb)} MB`,
      target: '≤ 250 MB at 20,000 msg/s',
      verdict: e.pacedMaxRssMb <= 250 && e.pacedRate >= 19_000 ? 'meets' : 'misses',
    },
    {
      name: 'loa up RSS at full speed',
      value: `median ${fmt(e.medianRssMb)} MB, max ${fmt(e.maxRssMb)} MB (V8 heap at most ${fmt(e.maxHeapMb)} MB)`,
      target: '',
      verdict: 'info',
    },
  );
}

printTable(rows);
