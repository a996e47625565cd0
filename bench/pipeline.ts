// Pipeline alone (parse + validate + map + serialise) on one core, against a bare loop doing the
// minimum the same work needs (topic regex, JSON.parse, zod 4, a line-protocol template), run in the
// same process so that the ratio holds on a noisy machine (docs/design.md#targets).
import { z } from 'zod';
import { createPipeline, type IncomingMessage } from '../ingest/index.js';
import { Inventory, type InventoryFileInput, inventoryFileSchema } from '../protocol/index.js';
import { median } from './stats.js';

const DEVICES = 500;
const MESSAGES = 200_000;
const REPEATS = 7;

function inventory(): Inventory {
  const file: InventoryFileInput = {
    province: { id: 'an-giang', name: 'An Giang' },
    communes: Array.from({ length: 10 }, (_, c) => ({
      id: `xa-${c}`,
      name: `Xã ${c}`,
      hamlets: [{ id: 'ap-1', name: 'Ấp 1' }],
      devices: Array.from({ length: DEVICES / 10 }, (_, d) => ({
        id: `xa-${c}-c${d}`,
        kind: 'cluster' as const,
        link: '4g' as const,
        hamlets: ['ap-1'],
        secret: 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      })),
    })),
  };
  return Inventory.fromFiles([{ file: 'bench.yaml', content: inventoryFileSchema.parse(file) }]);
}

/** The stream's mix: mostly heartbeats, some presence, broadcasts and events, 1 % invalid. */
function messages(now: number): IncomingMessage[] {
  const out: IncomingMessage[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const c = i % 10;
    const d = Math.floor(i / 10) % (DEVICES / 10);
    const base = `loa/v1/an-giang/xa-${c}/xa-${c}-c${d}/`;
    const ts = now - 60_000 + (i % 50_000);
    let topic = `${base}heartbeat`;
    let body: string;
    const kind = i % 100;
    if (kind === 0) {
      body = `{"v":1,"ts":${ts},"seq":${i},"uptime_s":${i},"power":"nuclear","amp":"on"}`;
    } else if (kind < 3) {
      topic = `${base}broadcast`;
      body = `{"v":1,"id":"b${i}","start":${ts - 3_600_000},"end":${ts},"priority":"normal","source":"national","status":"completed","program":"Thời sự"}`;
    } else if (kind < 4) {
      topic = `${base}event`;
      body = `{"v":1,"ts":${ts},"type":"power_lost","detail":"mains 0 V"}`;
    } else if (kind < 5) {
      topic = `${base}state`;
      body = `{"v":1,"ts":${ts},"online":true,"session":3,"reason":"boot"}`;
    } else {
      body = `{"v":1,"ts":${ts},"seq":${i},"uptime_s":${i},"power":"mains","amp":"on","playing":false,"volume_pct":80,"mains_v":221.5,"battery_v":13.1,"relay":"ok","rssi_dbm":-71,"temp_c":38.5}`;
    }
    out.push({ topic, payload: Buffer.from(body), receivedAt: now, seq: i });
  }
  return out;
}

const bareHeartbeat = z.object({
  v: z.literal(1),
  ts: z.int(),
  seq: z.int(),
  uptime_s: z.number(),
  power: z.enum(['mains', 'battery', 'solar']),
  amp: z.enum(['on', 'off', 'fault']),
});
const TOPIC = /^loa\/v1\/([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z]+)$/;

/** The bare loop of docs/design.md#targets: what the minimum costs, with no inventory, no reasons, no other channels. */
function bare(msgs: readonly IncomingMessage[]): number {
  let bytes = 0;
  for (const m of msgs) {
    const t = TOPIC.exec(m.topic);
    if (!t) continue;
    const r = bareHeartbeat.safeParse(JSON.parse(m.payload.toString('utf8')));
    if (!r.success) continue;
    const h = r.data;
    bytes += `heartbeat,device=${t[3]} amp="${h.amp}",power="${h.power}",seq=${h.seq}i ${h.ts}000000`.length;
  }
  return bytes;
}

function time(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function benchPipeline(): { rate: number; bareRate: number; rejected: number } {
  const now = Date.now();
  const msgs = messages(now);
  const pipeline = createPipeline({ inventory: inventory(), retentionMs: 30 * 86_400_000, now: () => now });
  let rejected = 0;
  const run = () => {
    rejected = 0;
    for (const m of msgs) if (pipeline(m).kind === 'reject') rejected++;
  };
  // Warm up both, so the JIT has compiled what it will; then alternate, so drift hits both alike.
  run();
  bare(msgs);
  const ours: number[] = [];
  const bases: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    ours.push(MESSAGES / time(run));
    bases.push(MESSAGES / time(() => bare(msgs)));
  }
  return { rate: median(ours), bareRate: median(bases), rejected };
}
