// Publish → queryable, measured the same way for Loa and for the naive flow: while a publish loop is held
// at a rate, a probe asks InfluxDB every 25 ms for the newest seq of one device; every seq that became
// visible since the last answer is counted with the delay from its publish to that answer (an upper
// bound: it may have been visible a little earlier). Several runs; medians of their percentiles.
import type { InfluxQl } from '../influx/index.js';
import { HEARTBEAT } from '../protocol/index.js';
import type { LoadRun, PublishLoop } from '../simulator/index.js';
import { median, percentile } from './stats.js';

export interface LatencyResult {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  samples: number;
  runs: number;
  /** Every message published during the runs (the caller waits for them to be stored). */
  acked: number;
}

export interface LatencyProbe {
  /** Publish times of the probed device's messages, by seq; the loop's onPublish fills it. */
  readonly publishedAt: Map<number, number>;
  measure(options: {
    loop: PublishLoop;
    rate: number;
    seconds: number;
    runs: number;
    /** Resolves once everything published so far is stored (so one run's tail is not the next's). */
    drained: (published: number) => Promise<unknown>;
  }): Promise<LatencyResult>;
}

export function latencyProbe(ql: InfluxQl, device: string): LatencyProbe {
  const publishedAt = new Map<number, number>();
  const newestSeq = async () => {
    const [s] = await ql.query(
      `SELECT last("${HEARTBEAT.field.seq}") FROM "${HEARTBEAT.name}" WHERE "${HEARTBEAT.tag.device}" = '${device}'`,
    );
    return Number(s?.values[0]?.[1] ?? 0);
  };
  return {
    publishedAt,
    async measure({ loop, rate, seconds, runs, drained }) {
      const p50: number[] = [];
      const p99: number[] = [];
      const runsDone: LoadRun[] = [];
      let samples = 0;
      let published = 0;
      for (let i = 0; i < runs; i++) {
        publishedAt.clear();
        const latencies: number[] = [];
        let seen = await newestSeq();
        const probing = { on: true };
        const prober = (async () => {
          while (probing.on) {
            const answer = await newestSeq();
            const at = performance.now();
            for (let s = seen + 1; s <= answer; s++) {
              const sent = publishedAt.get(s);
              if (sent !== undefined) latencies.push(at - sent);
            }
            seen = Math.max(seen, answer);
            await new Promise((r) => setTimeout(r, 25));
          }
        })();
        const run = await loop.run(seconds, rate);
        runsDone.push(run);
        published += run.acked;
        await drained(published);
        await new Promise((r) => setTimeout(r, 300));
        probing.on = false;
        await prober;
        p50.push(percentile(latencies, 50));
        p99.push(percentile(latencies, 99));
        samples += latencies.length;
      }
      return {
        rate: median(runsDone.map((r) => r.acked / r.seconds)),
        p50Ms: median(p50),
        p99Ms: median(p99),
        samples,
        runs,
        acked: published,
      };
    },
  };
}
