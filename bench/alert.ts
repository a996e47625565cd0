// Device death → alert (docs/design.md#targets: ≤ 3 heartbeats + 10 s). Real agents reach `loa up` (broker, ingest,
// coverage engine) through one TCP relay each; the relay then kills each box one of two ways:
// - power cut: the connection drops at once, the broker sees it close and publishes the Will;
// - silent death: nothing passes any more but nothing closes (a 4G cell gone quiet, a NAT that forgot
//   the box), so only the broker's keepalive or the heartbeat age can tell.
// The time measured runs from the kill to the `device_offline` alert's decision, read back from the
// `alert` measurement the engine writes, i.e. what Grafana and the webhook get.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, createMemorySessionStore, type Agent } from '../devices/index.js';
import { createInfluxdServer, createInfluxQl } from '../influx/index.js';
import { ALERT, loadInventory } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import { generateProvince, writeProvince } from '../simulator/index.js';
import { spawnLoa } from '../test/cli-process.js';
import { startTcpProxy, type TcpProxy } from '../test/tcp-proxy.js';
import { median } from './stats.js';

export interface AlertLatencyResult {
  heartbeatS: number;
  /** Seconds from the kill to the alert, per device. */
  powerCutS: number[];
  silentS: number[];
  /** docs/design.md#targets's bound for this heartbeat: 3 heartbeats + 10 s. */
  targetS: number;
  /** The engine evaluates every this many seconds (its default): alerts are decided on that beat. */
  evaluateEveryS: number;
}

export async function benchAlertLatency({
  heartbeatS = 5,
  devicesPerWay = 6,
}: { heartbeatS?: number; devicesPerWay?: number } = {}): Promise<AlertLatencyResult> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-alert-'));
  const influxd = createInfluxdServer({ dataDir: join(dir, 'influxdb'), logger: silentLogger() });
  const proxies: TcpProxy[] = [];
  const agents: Agent[] = [];
  let up: ReturnType<typeof spawnLoa> | undefined;
  try {
    const { url: influxUrl } = await influxd.start();
    const generated = await generateProvince({
      provinceId: 'an-giang',
      provinceName: 'An Giang',
      communes: 1,
      hamletsPerCommune: devicesPerWay * 2,
      clustersPerHamlet: 1,
      fmShare: 0,
      stations: false,
      seed: 11,
      heartbeatS,
    });
    await writeProvince(join(dir, 'province'), generated);
    const inventoryDir = join(dir, 'province', 'inventory');
    const inventory = await loadInventory(inventoryDir);
    up = spawnLoa([
      'up',
      '--inventory',
      inventoryDir,
      '--data',
      join(dir, 'data'),
      '--influx-url',
      influxUrl,
      '--mqtt-port',
      '0',
      '--http-port',
      '0',
    ]);
    const [, host, port] = (await up.waitFor(/broker +mqtt:\/\/([\d.]+):(\d+)/, 60_000)) as string[];
    const devices = [...inventory.allDevices()].filter((d) => d.monitored);
    for (const device of devices) {
      const proxy = await startTcpProxy({ host: host ?? '127.0.0.1', port: Number(port) });
      proxies.push(proxy);
      const agent = createAgent({
        brokerUrl: proxy.url,
        deviceId: device.device,
        secret: generated.secrets[device.device] ?? '',
        province: device.province,
        commune: device.commune,
        kind: device.kind,
        hamlets: [...device.hamlets],
        heartbeatS,
        sessionStore: createMemorySessionStore(),
        logger: silentLogger(),
        // The relay cut stays cut: a quick retry changes nothing, and a dead box does not retry at all.
        reconnect: { minMs: 1000, maxMs: 2000 },
      });
      agents.push(agent);
    }
    await Promise.all(agents.map((a) => a.start()));
    // Every box seen up by the engine, heartbeats at their own phases.
    await sleep(3 * heartbeatS * 1000);

    const killedAt = Date.now();
    const way = new Map<string, 'power' | 'silent'>();
    devices.forEach((d, i) => {
      const proxy = proxies[i];
      if (i % 2 === 0) {
        way.set(d.device, 'power');
        proxy?.cut();
      } else {
        way.set(d.device, 'silent');
        proxy?.freeze();
      }
    });

    const ql = createInfluxQl({ url: influxUrl, database: 'loa' });
    const firedAt = new Map<string, number>();
    const deadline = killedAt + (6 * heartbeatS + 60) * 1000;
    try {
      while (firedAt.size < devices.length && Date.now() < deadline) {
        await sleep(250);
        const [series] = await ql.query(
          `SELECT "${ALERT.field.device}" FROM "${ALERT.retention}"."${ALERT.name}" WHERE "${ALERT.tag.kind}" = 'device_offline' AND "${ALERT.tag.state}" = 'firing' AND time >= ${killedAt}ms`,
        );
        for (const [time, device] of series?.values ?? []) {
          const at = typeof time === 'string' ? Date.parse(time) : Number(time);
          if (typeof device === 'string' && !firedAt.has(device)) firedAt.set(device, at);
        }
      }
    } finally {
      ql.close();
    }
    const seconds = (w: 'power' | 'silent') =>
      devices
        .filter((d) => way.get(d.device) === w)
        .map((d) => ((firedAt.get(d.device) ?? Infinity) - killedAt) / 1000);
    return {
      heartbeatS,
      powerCutS: seconds('power'),
      silentS: seconds('silent'),
      targetS: 3 * heartbeatS + 10,
      evaluateEveryS: 5,
    };
  } finally {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    await Promise.all(proxies.map((p) => p.close()));
    await up?.kill('SIGTERM');
    await influxd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function summarise(values: readonly number[]): { median: number; max: number } {
  return { median: median(values), max: Math.max(...values) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
