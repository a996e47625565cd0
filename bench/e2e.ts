// End to end on this machine (docs/design.md#targets): mqtt.js devices → `loa up` (embedded broker + ingest, the
// compiled build, in its own process so its memory is its own) → a private influxd. The same run first
// measures influxd's own ceiling (bulk 5,000-point batches of the same heartbeat lines straight to
// /write, two requests in flight as the ingest does), the baseline the end-to-end rate is compared with.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createInfluxdServer,
  createInfluxQl,
  createV1Writer,
  ensureDatabase,
  freePort,
  type InfluxQl,
} from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { HEARTBEAT, loadInventory } from '../protocol/index.js';
import {
  closeLoadFleet,
  connectLoadFleet,
  createPublishLoop,
  generateProvince,
  writeProvince,
  type LoadFleet,
} from '../simulator/index.js';
import { naiveBaseline, type NaiveResult } from './naive.js';
import { latencyProbe } from './latency.js';
import { median } from './stats.js';

export interface E2eResult {
  devices: number;
  seconds: number;
  acked: number;
  stored: number;
  publishRate: number;
  storedRate: number;
  drainSeconds: number;
  maxRssMb: number;
  /** V8 heap (total) at its largest: what of the RSS is JavaScript objects. */
  maxHeapMb: number;
  /** One HTTP write per message through the `influx` client, same fleet, same machine. */
  naive: NaiveResult;
  /** The third phase: publish-to-queryable delay at 5,000 msg/s. */
  latencyRate: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencySamples: number;
  latencyRuns: number;
  /** The second phase, held at 20,000 msg/s. */
  pacedRate: number;
  pacedMaxRssMb: number;
  pacedMedianRssMb: number;
  medianRssMb: number;
  /** `loa up` just after start, before any traffic. */
  idleRssMb: number;
  ceilingRate: number;
}

async function influxCeiling(url: string, seconds: number): Promise<number> {
  const ql = createInfluxQl({ url });
  await ql.createDatabase('ceiling');
  const writer = createV1Writer({ url, database: 'ceiling', timeoutMs: 30_000, gzip: false });
  const now = Date.now() - 3_600_000;
  let written = 0;
  let seq = 0;
  const deadline = Date.now() + seconds * 1000;
  const start = Date.now();
  async function loop(): Promise<void> {
    while (Date.now() < deadline) {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++, seq++) {
        lines.push(
          `heartbeat,commune=xa-${seq % 10},device=d${seq % 200},hamlet=ap-1,kind=cluster,link=4g,province=an-giang ` +
            `amp="on",power="mains",seq=${seq}i,uptime_s=${seq},volume_pct=80,mains_v=221.5,rssi_dbm=-70 ${now + seq}000000`,
        );
      }
      await writer.write(lines);
      written += lines.length;
    }
  }
  await Promise.all([loop(), loop()]);
  const rate = written / ((Date.now() - start) / 1000);
  await ql.dropDatabase('ceiling');
  ql.close();
  return rate;
}

function rssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024,
    () => 0,
  );
}

async function scrape(url: string, name: string): Promise<number> {
  try {
    const text = await (await fetch(url)).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function count(ql: InfluxQl): Promise<number> {
  const [s] = await ql.query(`SELECT count("${HEARTBEAT.field.seq}") FROM "${HEARTBEAT.name}"`);
  return Number(s?.values[0]?.[1] ?? 0);
}

export async function benchEndToEnd({
  seconds,
  devices,
}: {
  seconds: number;
  devices: number;
}): Promise<E2eResult> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-'));
  const influxd = createInfluxdServer({ dataDir: join(dir, 'influxdb'), logger: silentLogger() });
  let fleet: LoadFleet | undefined;
  let up: ReturnType<typeof spawn> | undefined;
  try {
    const { url: influxUrl } = await influxd.start();
    const ceilingRate = await influxCeiling(influxUrl, 10);

    const communes = Math.max(1, Math.round(devices / 20));
    const generated = await generateProvince({
      provinceId: 'an-giang',
      provinceName: 'An Giang',
      communes,
      hamletsPerCommune: 5,
      clustersPerHamlet: 4,
      fmShare: 0,
      stations: false,
      seed: 7,
      heartbeatS: 60,
    });
    await writeProvince(join(dir, 'province'), generated);
    const ql = createInfluxQl({ url: influxUrl, database: 'loa' });
    await ensureDatabase(ql, { database: 'loa', rawRetentionDays: 30 });

    const mqttPort = await freePort();
    // bin/loa.js itself, as an operator runs it: its shebang carries the V8 flags the service runs with.
    const child = spawn(
      'bin/loa.js',
      [
        'up',
        '--inventory',
        join(dir, 'province', 'inventory'),
        '--data',
        join(dir, 'data'),
        '--influx-url',
        influxUrl,
        '--mqtt-port',
        String(mqttPort),
        '--http-port',
        '0',
        // Each simulated device sends far more than a real one: no per-device rate limit.
        '--publish-rate',
        '0',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        // English: the metrics address is read from the banner, whose labels follow the language.
        env: { ...process.env, LOA_LOG_LEVEL: 'warn', LOA_LOG_FORMAT: 'json', LOA_LANG: 'en' },
      },
    );
    up = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const metricsUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /metrics +(http:\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => {
        reject(new Error(`loa up exited with ${code}: ${out}`));
      });
    });
    const pid = child.pid ?? 0;
    // The baseline of the memory rows: the same process started, inventory loaded, no traffic yet.
    await new Promise((r) => setTimeout(r, 1000));
    const idleRssMb = await rssMb(pid);

    // The simulator's load mode: one connection per device, each logged in as itself.
    const connected = await connectLoadFleet({
      brokerUrl: `mqtt://127.0.0.1:${mqttPort}`,
      inventory: await loadInventory(join(dir, 'province', 'inventory')),
      devices,
      secrets: generated.secrets,
    });
    fleet = connected;
    const { ids, topics } = connected;

    const baseTs = Date.now() - 3_600_000;
    // The latency probe watches the points of device 0.
    const probe = latencyProbe(ql, ids[0] ?? '');
    const loop = createPublishLoop(connected, {
      baseTs,
      onPublish: (device, seq) => {
        if (device === 0) probe.publishedAt.set(seq, performance.now());
      },
    });
    const load = (seconds: number, rate?: number) => loop.run(seconds, rate);
    async function drained(expected: number): Promise<number> {
      let stored = await count(ql);
      const deadline = Date.now() + 120_000;
      while (stored < expected && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        stored = await count(ql);
      }
      return stored;
    }
    function sampleMemory(): { stop(): { rss: number[]; heap: number[] } } {
      const rss: number[] = [];
      const heap: number[] = [];
      const timer = setInterval(() => {
        void rssMb(pid).then((v) => rss.push(v));
        void scrape(metricsUrl, 'nodejs_heap_size_total_bytes').then((v) => heap.push(v / 1024 / 1024));
      }, 500);
      return {
        stop() {
          clearInterval(timer);
          return { rss, heap };
        },
      };
    }

    // Phase 1: as fast as the machine goes, for the throughput and the count.
    const fullSampler = sampleMemory();
    const full = await load(seconds);
    const start = Date.now() - full.seconds * 1000;
    const stored = await drained(full.acked);
    const storedSeconds = (Date.now() - start) / 1000;
    const fullMemory = fullSampler.stop();
    // Phase 2: held at the target's 20,000 msg/s, for the memory the target speaks of.
    const pacedSampler = sampleMemory();
    const paced = await load(Math.min(30, seconds), 20_000);
    const pacedMemory = pacedSampler.stop();
    await drained(full.acked + paced.acked);
    // Phase 3: publish to queryable at 5,000 msg/s (bench/latency.ts), three runs.
    const latency = await probe.measure({
      loop,
      rate: 5_000,
      seconds: Math.min(10, seconds),
      runs: 3,
      drained: (published) => drained(full.acked + paced.acked + published),
    });
    ql.close();
    // The naive baseline, after the stack under test has nothing left to do.
    const naive = await naiveBaseline({ influxUrl, topics, seconds: Math.min(5, seconds), runs: 3 });
    const acked = full.acked;
    const publishSeconds = full.seconds;
    const rss = fullMemory.rss;
    const heap = fullMemory.heap;
    return {
      devices: ids.length,
      seconds: publishSeconds,
      acked,
      stored,
      publishRate: acked / publishSeconds,
      storedRate: stored / storedSeconds,
      drainSeconds: storedSeconds - publishSeconds,
      maxRssMb: Math.max(...rss),
      maxHeapMb: Math.max(...heap),
      pacedRate: paced.acked / paced.seconds,
      naive,
      latencyRate: latency.rate,
      latencyP50Ms: latency.p50Ms,
      latencyP99Ms: latency.p99Ms,
      latencySamples: latency.samples,
      latencyRuns: latency.runs,
      pacedMaxRssMb: Math.max(...pacedMemory.rss),
      pacedMedianRssMb: median(pacedMemory.rss),
      medianRssMb: median(rss),
      idleRssMb,
      ceilingRate,
    };
  } finally {
    if (fleet) await closeLoadFleet(fleet);
    if (up && up.exitCode === null) {
      const exited = new Promise((r) => up?.once('exit', r));
      up.kill('SIGTERM');
      await exited;
    }
    await influxd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
