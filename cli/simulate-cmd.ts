import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { createInfluxQl } from '../influx/index.js';
import { loadInventory } from '../protocol/index.js';
import { createLogger } from '../runtime/index.js';
import {
  createSimulation,
  expectedPoints,
  generateProvince,
  loadScenario,
  verifyRun,
  presetSpec,
  SimulationConfigError,
  writeProvince,
  type Simulation,
  type SimulationReport,
  type SimulationStats,
  type Verification,
} from '../simulator/index.js';
import type { Messages } from '../i18n/index.js';
import { ConfigError } from './config.js';
import { currentMessages } from './lang.js';
import { readRecord } from './record.js';
import {
  DEFAULT_DATABASE,
  defaultDataDir,
  type ProvinceSimulation,
  type SimulateGenerateConfig,
  type SimulateRunConfig,
} from './schema.js';

/** Generates a province and writes `OUT/inventory/<province>.yaml` and `OUT/secrets.json`. */
export async function generateSimulatedProvince(
  province: { id: string; name: string },
  s: ProvinceSimulation,
  out: string,
) {
  const generated = await generateProvince(
    s.preset === undefined
      ? {
          provinceId: province.id,
          provinceName: province.name,
          communes: s.communes,
          hamletsPerCommune: s.hamletsPerCommune,
          clustersPerHamlet: s.clustersPerHamlet,
          fmShare: s.fmShare,
          stations: true,
          seed: s.seed,
          heartbeatS: s.heartbeatS,
        }
      : presetSpec(s.preset, { seed: s.seed, heartbeatS: s.heartbeatS }),
  );
  return { generated, ...(await writeProvince(out, generated)) };
}

/** `loa simulate generate`: writes `OUT/inventory/<province>.yaml` and `OUT/secrets.json`. */
export async function runSimulateGenerate(config: SimulateGenerateConfig): Promise<void> {
  const { generated, inventoryFile, secretsFile } = await generateSimulatedProvince(
    config.province,
    config.simulation,
    config.out,
  );
  const { communes } = generated.inventory;
  const devices = communes.reduce((n, c) => n + (c.devices?.length ?? 0), 0);
  const monitored = Object.keys(generated.secrets).length;
  const inventoryDir = dirname(inventoryFile);
  const m = currentMessages();
  const labels = [m.t('generate.inventory'), m.t('generate.secrets')];
  const width = Math.max(...labels.map((l) => l.length)) + 1;
  process.stdout.write(
    [
      m.t('generate.done', {
        province: generated.inventory.province.name,
        communes: m.t('count.communes', { n: communes.length }),
        devices: m.t('count.devices', { n: devices }),
        monitored,
      }),
      `  ${(labels[0] ?? '').padEnd(width)} ${inventoryFile}`,
      `  ${(labels[1] ?? '').padEnd(width)} ${secretsFile}  ${m.t('generate.secretsNote')}`,
      m.t('generate.next'),
      `  loa broker --inventory ${inventoryDir}`,
      `  loa simulate run --broker mqtt://127.0.0.1:1883 --inventory ${inventoryDir} --secrets ${secretsFile}`,
      '',
    ].join('\n'),
  );
}

/** The generator's layout: `DIR/inventory/` and `DIR/secrets.json` side by side. */
export function defaultSecretsFile(inventoryDir: string): string {
  return join(inventoryDir, '..', 'secrets.json');
}

/** The plain secrets of simulated devices, by device id, as the generator wrote them. */
export async function readSecretsFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const parsed = z.record(z.string(), z.string().min(1)).safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` (at ${issue.path.map(String).join('.')})` : '';
    throw new ConfigError(`${file}: must map each device id to its plain secret${at}`);
  }
  return parsed.data;
}

/**
 * `1/3 devices online · 120 msg/s · 2 faults active · 12 sent · 11 acked`, with the problems only when
 * there are some. `rate` is acknowledged messages per second since the previous line.
 */
export function formatSimulationStatus(
  s: SimulationStats,
  rate?: number,
  m: Messages = currentMessages(),
): string {
  const problems = [
    s.refused > 0 ? m.t('simulate.refused', { n: s.refused }) : '',
    s.failed > 0 ? m.t('simulate.failed', { n: s.failed }) : '',
    s.dropped > 0 ? m.t('simulate.dropped', { n: s.dropped }) : '',
  ].filter((p) => p !== '');
  return [
    m.t('simulate.online', { online: s.online, devices: s.devices }),
    ...(rate === undefined ? [] : [m.t('simulate.rate', { rate: Math.round(rate) })]),
    ...(s.faults > 0 ? [m.t('count.faultsActive', { n: s.faultsActive })] : []),
    m.t('simulate.sent', { n: s.sent }),
    m.t('simulate.acked', { n: s.acked }),
    ...(s.pending > 0 ? [m.t('simulate.queued', { n: s.pending })] : []),
    ...problems,
  ].join(' · ');
}

/** The end of a run: what was sent and acknowledged, and what InfluxDB should now hold. */
export function formatSimulationSummary(
  s: SimulationStats,
  report?: SimulationReport,
  m: Messages = currentMessages(),
): string {
  const lines = [
    m.t('simulate.stopped', {
      sent: s.sent,
      acked: s.acked,
      refused: s.refused,
      failed: s.failed,
      dropped: s.dropped,
      devices: m.t('count.devices', { n: s.devices }),
    }),
  ];
  if (report !== undefined) {
    const e = expectedPoints(report);
    lines.push(
      m.t('simulate.expected', {
        total: e.heartbeat + e.broadcast + e.event,
        heartbeat: e.heartbeat,
        broadcast: e.broadcast,
        event: e.event,
        refused: e.refused,
        pending: s.pending,
      }),
    );
    if (report.faults.length > 0) {
      const kinds = new Map<string, number>();
      for (const f of report.faults) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      // Fault kinds are the scenario file's own words (link_drop, power_cut), kept as written there.
      lines.push(m.t('simulate.faults', { list: [...kinds].map(([k, c]) => `${k} ×${c}`).join(', ') }));
    }
  }
  return lines.join('\n');
}

/** Where a run's broker, inventory and InfluxDB are: flags first, then the record of `loa up --data`. */
async function resolveRun(config: SimulateRunConfig) {
  // Like `loa coverage`, the default data folder stands in when something is not given otherwise.
  const incomplete =
    config.broker === undefined ||
    config.inventory === undefined ||
    (config.verify && config.influx.url === undefined);
  const dataDir = config.data ?? (incomplete ? defaultDataDir() : undefined);
  const record = dataDir === undefined ? undefined : await readRecord(dataDir);
  const brokerUrl = config.broker?.url ?? record?.broker;
  const inventoryDir = config.inventory ?? record?.inventory;
  if (brokerUrl === undefined)
    throw new ConfigError('broker.url: give --broker, or --data of a running `loa up`');
  if (inventoryDir === undefined) {
    throw new ConfigError('inventory: give --inventory, or --data of a running `loa up`');
  }
  const influxUrl = config.influx.url ?? record?.influx;
  const database = config.influx.database ?? record?.database ?? DEFAULT_DATABASE;
  if (config.verify && influxUrl === undefined) {
    throw new ConfigError(
      '--verify reads InfluxDB: give --influx-url (and --database), or --data of `loa up`',
    );
  }
  // The private influxd's login comes with its record, not with a URL given on the command line.
  const influxAuth = config.influx.url === undefined ? record?.influxAuth : undefined;
  return {
    brokerUrl,
    inventoryDir,
    influxUrl,
    database,
    influxAuth,
    metricsUrl: record && `${record.http}/metrics`,
  };
}

/**
 * `loa simulate run`: one real agent per monitored device, against any broker that knows the inventory,
 * with a scenario's faults. A live line every second on a terminal (every 30 s in a log); a summary when
 * stopped (by a signal or after the duration); then, with --verify, the check of InfluxDB. Resolves with
 * the exit code: 1 when verification fails.
 */
export async function runSimulate(config: SimulateRunConfig): Promise<number> {
  const run = await resolveRun(config);
  const inventory = await loadInventory(run.inventoryDir);
  const secretsFile = config.secrets ?? defaultSecretsFile(run.inventoryDir);
  const secrets = await readSecretsFile(secretsFile);
  // A bad scenario stops here with its file, line and field (InventoryError, like a province file).
  const scenario = config.scenario === undefined ? undefined : await loadScenario(config.scenario, inventory);
  const logger = createLogger({ name: 'loa-simulate' });
  let simulation: Simulation;
  try {
    simulation = createSimulation({
      brokerUrl: run.brokerUrl,
      inventory,
      secrets,
      seed: config.simulation.seed,
      logger,
      reconnect: {
        minMs: Math.min(1000, config.simulation.reconnectMaxS * 1000),
        maxMs: config.simulation.reconnectMaxS * 1000,
      },
      ...(config.simulation.heartbeatS !== undefined && { heartbeatS: config.simulation.heartbeatS }),
      ...(scenario && { scenario }),
    });
  } catch (error) {
    if (!(error instanceof SimulationConfigError)) throw error;
    throw new ConfigError(`${config.scenario ?? secretsFile}: ${error.message}`);
  }
  const refusals = run.metricsUrl === undefined ? undefined : brokerRefusals(run.metricsUrl);
  const refusalsBefore = config.verify && refusals ? await refusals().catch(() => undefined) : undefined;

  const tty = process.stdout.isTTY;
  let last = { at: performance.now(), acked: 0 };
  const progress = () => {
    const stats = simulation.stats();
    const now = performance.now();
    const rate = ((stats.acked - last.acked) * 1000) / Math.max(1, now - last.at);
    last = { at: now, acked: stats.acked };
    const line = formatSimulationStatus(stats, rate);
    if (tty) process.stdout.write(`\r\x1b[2K${line}`);
    else process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const timer = setInterval(progress, tty ? 1000 : 30_000);

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  const durationMs = config.durationS === undefined ? scenario?.duration : config.durationS * 1000;
  const until = durationMs === undefined ? undefined : setTimeout(finish, durationMs);

  const { devices } = simulation.stats();
  const m = currentMessages();
  process.stdout.write(
    [
      m.t('simulate.starting', { devices: m.t('count.devices', { n: devices }), broker: run.brokerUrl }),
      ...(durationMs === undefined ? [] : [m.t('simulate.for', { seconds: durationMs / 1000 })]),
      ...(scenario === undefined ? [] : [m.t('simulate.with', { scenario: config.scenario ?? '' })]),
    ].join(' ') + '\n',
  );
  await simulation.start();
  if (!tty) progress();
  await finished;
  clearTimeout(until);
  process.off('SIGINT', finish);
  process.off('SIGTERM', finish);

  // What the outages left queued goes out before the devices stop, so that it can be verified.
  if (!(await simulation.drain(2 * config.simulation.reconnectMaxS * 1000 + 5000)))
    logger.warn('some devices still had messages queued at the end');
  try {
    await simulation.stop();
  } catch (error) {
    logger.error({ err: error }, 'error while stopping');
  }
  clearInterval(timer);
  if (tty) process.stdout.write('\n');
  const report = simulation.report();
  process.stdout.write(`${formatSimulationSummary(simulation.stats(), report)}\n`);
  if (!config.verify || run.influxUrl === undefined) return 0;

  process.stdout.write(`${m.t('verify.start', { url: run.influxUrl, database: run.database })}\n`);
  const ql = createInfluxQl({ url: run.influxUrl, database: run.database, ...run.influxAuth });
  try {
    const result = await verifyRun({
      ql,
      inventory,
      report,
      heartbeatMs: (id) => (config.simulation.heartbeatS ?? inventory.device(id)?.heartbeatS ?? 60) * 1000,
      messages: m,
      ...(refusals &&
        refusalsBefore !== undefined && {
          impersonationRefusals: refusals,
          impersonationRefusalsBefore: refusalsBefore,
        }),
      timeoutMs: config.verifyTimeoutS * 1000,
    });
    process.stdout.write(formatVerification(result));
    return result.ok ? 0 : 1;
  } finally {
    ql.close();
  }
}

/**
 * The --verify report: one line per check (simulator/verify.ts writes them in the chosen language, with
 * alert kinds, measurements and device ids as stored), then the verdict.
 */
export function formatVerification(v: Verification, m: Messages = currentMessages()): string {
  const [ok, failed] = [m.t('verify.ok'), m.t('verify.failed')];
  const width = Math.max(ok.length, failed.length) + 2;
  const lines = v.held.map((h) => `  ${ok.padEnd(width)}${h}`);
  for (const p of v.problems) lines.push(`  ${failed.padEnd(width)}${p}`);
  lines.push(
    v.ok
      ? m.t('verify.passed')
      : m.t('verify.failedSummary', { problems: m.t('count.problems', { n: v.problems.length }) }),
  );
  return `${lines.join('\n')}\n`;
}

/** Publications the broker refused as another device's topic, read from `loa up`'s metrics. */
function brokerRefusals(metricsUrl: string): () => Promise<number> {
  return async () => {
    const res = await fetch(metricsUrl);
    const text = await res.text();
    const m = /^loa_broker_publishes_refused_total\{reason="other_device"\} (\d+)/m.exec(text);
    return Number(m?.[1] ?? 0);
  };
}
