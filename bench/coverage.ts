// Coverage engine at national scale (docs/design.md#targets): 3,321 communes, 63,600 hamlets, 150,000 devices.
// Full evaluation and per-message update, medians of repeats, beside a bare loop over the same
// numbers (device liveness → hamlet coverage → commune verdict) run in the same process.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { createCoverageEngine, evaluate, Evaluation } from '../coverage/index.js';
import { DEFAULT_CRITERION, Inventory, type InventoryFile } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import { median } from './stats.js';

const PROVINCES = 34;
const COMMUNES = 3321;
const HAMLETS = 63_600;
const DEVICES = 150_000;
const SECRET = 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** A generated national inventory: hamlets and devices spread evenly, one station per commune, 10 % FM. */
export function nationalInventory(communes = COMMUNES, hamlets = HAMLETS, devices = DEVICES): Inventory {
  const files: { file: string; content: InventoryFile }[] = [];
  let h = 0;
  let d = 0;
  for (let p = 0; p < PROVINCES; p++) {
    const from = Math.floor((p * communes) / PROVINCES);
    const to = Math.floor(((p + 1) * communes) / PROVINCES);
    const list: InventoryFile['communes'] = [];
    for (let c = from; c < to; c++) {
      const hEnd = Math.floor(((c + 1) * hamlets) / communes);
      const dEnd = Math.floor(((c + 1) * devices) / communes);
      const hamletList = [];
      for (let k = 0; h < hEnd; h++, k++) hamletList.push({ id: `ap-${k}`, name: `Ấp ${k}` });
      const deviceList: InventoryFile['communes'][number]['devices'] = [
        { id: `xa-${c}-station`, kind: 'station', link: 'ethernet', hamlets: [], secret: SECRET },
      ];
      d++;
      for (let k = 0; d < dEnd; d++, k++) {
        const fm = k % 10 === 9;
        deviceList.push({
          id: `xa-${c}-c${k}`,
          kind: 'cluster',
          link: fm ? 'fm' : '4g',
          hamlets: [`ap-${k % hamletList.length}`],
          ...(!fm && { secret: SECRET }),
        });
      }
      list.push({
        id: `xa-${c}`,
        name: `Xã ${c}`,
        unit: 'xa',
        formerly: [],
        schedule: [
          { text: '05:00-06:00', startMin: 300, endMin: 360 },
          { text: '17:00-18:00', startMin: 1020, endMin: 1080 },
        ],
        hamlets: hamletList,
        devices: deviceList,
      });
    }
    files.push({
      file: `p${p}.yaml`,
      content: {
        province: { id: `tinh-${p}`, name: `Tỉnh ${p}` },
        timezone: 'Asia/Ho_Chi_Minh',
        criterion: DEFAULT_CRITERION,
        communes: list,
      },
    });
  }
  return Inventory.fromFiles(files);
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export interface CoverageBench {
  devices: number;
  hamlets: number;
  communes: number;
  evaluateMs: number;
  tickMs: number;
  bareMs: number;
  observeNs: number;
  observeSmallNs: number;
  /** The same access pattern doing only a Map look-up by device id and one typed-array write. */
  observeBareNs: number;
  heapMb: number;
  /** Typed arrays' buffers (model, state, evaluation, engine), outside the heap figure. */
  typedArraysMb: number;
  buildMs: number;
}

export function benchCoverage({ repeats = 31 } = {}): CoverageBench {
  const now = Date.UTC(2026, 5, 15, 3, 0);
  gc();
  const { heapUsed: heapBefore, arrayBuffers: buffersBefore } = process.memoryUsage();
  const built = performance.now();
  const inventory = nationalInventory();
  const engine = createCoverageEngine({
    inventory,
    logger: silentLogger(),
    now: () => now,
    writeEveryMs: Infinity,
  });
  const buildMs = performance.now() - built;
  const { model, state } = engine;
  const nd = model.devices.length;
  // A realistic fleet: nearly everything up, 3 % of devices silent for an hour.
  for (let d = 0; d < nd; d++) {
    const at = d % 33 === 0 ? now - 3_600_000 : now - (d % 60) * 1000;
    state.heartbeat(d, at, false, false, undefined);
    state.heard(d, at);
  }
  engine.tick();
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 ** 2;
  const typedArraysMb = (process.memoryUsage().arrayBuffers - buffersBefore) / 1024 ** 2;

  const ev = new Evaluation(model);
  const evaluations: number[] = [];
  const ticks: number[] = [];
  const bare: number[] = [];
  const up = new Uint8Array(nd);
  const covered = new Uint8Array(model.hamletIds.length);
  const communeOk = new Uint8Array(model.communes.length);
  let sink = 0;
  for (let r = 0; r < repeats; r++) {
    let t0 = performance.now();
    evaluate(model, state, now + r, ev);
    evaluations.push(performance.now() - t0);
    t0 = performance.now();
    engine.tick();
    ticks.push(performance.now() - t0);
    t0 = performance.now();
    sink += bareLoop(model, state.lastHeard, now + r, up, covered, communeOk);
    bare.push(performance.now() - t0);
  }

  const observeNs = timeObserve(engine, now);
  const small = createCoverageEngine({
    inventory: nationalInventory(100, 1900, 4500),
    logger: silentLogger(),
    now: () => now,
  });
  const observeSmallNs = timeObserve(small, now);
  const observeBareNs = timeBareObserve(
    engine.model.devices.map((d) => d.device),
    now,
  );
  if (sink < 0) process.stderr.write('');
  return {
    devices: nd,
    hamlets: model.hamletIds.length,
    communes: model.communes.length,
    evaluateMs: median(evaluations),
    tickMs: median(ticks),
    bareMs: median(bare),
    observeNs,
    observeSmallNs,
    observeBareNs,
    heapMb,
    typedArraysMb,
    buildMs,
  };
}

/** The minimum the same verdict needs: liveness per device, any-up per hamlet, all-covered per commune. */
function bareLoop(
  m: ReturnType<typeof createCoverageEngine>['model'],
  hb: Float64Array,
  now: number,
  up: Uint8Array,
  covered: Uint8Array,
  communeOk: Uint8Array,
): number {
  const nd = up.length;
  for (let d = 0; d < nd; d++) up[d] = now - (hb[d] ?? 0) <= (m.deviceTimeoutMs[d] ?? 0) ? 1 : 0;
  const nh = covered.length;
  for (let h = 0; h < nh; h++) {
    let any = 0;
    for (let e = m.hamletDeviceStart[h] ?? 0; e < (m.hamletDeviceStart[h + 1] ?? 0); e++)
      any |= up[m.hamletDevices[e] ?? 0] ?? 0;
    covered[h] = any;
  }
  let ok = 0;
  for (let c = 0; c < communeOk.length; c++) {
    let all = 1;
    for (let h = m.communeHamletStart[c] ?? 0; h < (m.communeHamletStart[c + 1] ?? 0); h++)
      all &= covered[h] ?? 0;
    communeOk[c] = all;
    ok += all;
  }
  return ok;
}

/** ns per accepted heartbeat through the engine's observer, over a million messages, median of 5. */
function timeObserve(engine: ReturnType<typeof createCoverageEngine>, now: number): number {
  const ids = engine.model.devices.map((d) => d.device);
  const messages = ids.map((_, i) => ({
    v: 1 as const,
    ts: now,
    seq: i,
    uptime_s: 1,
    power: 'mains' as const,
    amp: 'on' as const,
  }));
  const n = 1_000_000;
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const k = (i * 7919) % ids.length;
      const message = messages[k];
      if (message) engine.observe(ids[k] ?? '', 'heartbeat', message, now);
    }
    runs.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(runs);
}

/** Baseline of `timeObserve`: the same ids in the same order, a Map look-up and one write each. */
function timeBareObserve(ids: readonly string[], now: number): number {
  const index = new Map(ids.map((id, i) => [id, i]));
  const last = new Float64Array(ids.length);
  const n = 1_000_000;
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const d = index.get(ids[(i * 7919) % ids.length] ?? '');
      if (d !== undefined && now > (last[d] ?? 0)) last[d] = now + r;
    }
    runs.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(runs);
}
