import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { loadInventory } from '../protocol/index.js';
import { createLogger } from '../runtime/index.js';
import {
  createSimulation,
  generateProvince,
  SimulationConfigError,
  writeProvince,
  type Simulation,
  type SimulationStats,
} from '../simulator/index.js';
import { ConfigError } from './config.js';
import type { ProvinceSimulation, SimulateGenerateConfig, SimulateRunConfig } from './schema.js';

/** Generates a province and writes `OUT/inventory/<province>.yaml` and `OUT/secrets.json`. */
export async function generateSimulatedProvince(
  province: { id: string; name: string },
  s: ProvinceSimulation,
  out: string,
) {
  const generated = await generateProvince({
    provinceId: province.id,
    provinceName: province.name,
    communes: s.communes,
    hamletsPerCommune: s.hamletsPerCommune,
    clustersPerHamlet: s.clustersPerHamlet,
    fmShare: s.fmShare,
    stations: true,
    seed: s.seed,
    heartbeatS: s.heartbeatS,
  });
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
  process.stdout.write(
    [
      `generated ${config.province.name}: ${plural(communes.length, 'commune')}, ` +
        `${plural(devices, 'device')} (${monitored} monitored)`,
      `  inventory  ${inventoryFile}`,
      `  secrets    ${secretsFile}  (plain secrets of the virtual devices: keep it private)`,
      'next:',
      `  loa broker --inventory ${inventoryDir}`,
      `  loa simulate run --broker mqtt://127.0.0.1:1883 --inventory ${inventoryDir} --secrets ${secretsFile}`,
      '',
    ].join('\n'),
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
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

/** `1/3 devices online · 12 sent · 11 acked`, with the problems only when there are some. */
export function formatSimulationStatus(s: SimulationStats): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const problems = [
    s.refused > 0 ? `${n(s.refused)} refused` : '',
    s.failed > 0 ? `${n(s.failed)} failed` : '',
    s.dropped > 0 ? `${n(s.dropped)} dropped` : '',
  ].filter((p) => p !== '');
  return [
    `${n(s.online)}/${n(s.devices)} devices online`,
    `${n(s.sent)} sent`,
    `${n(s.acked)} acked`,
    ...problems,
  ].join(' · ');
}

export function formatSimulationSummary(s: SimulationStats): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return (
    `simulation stopped: ${n(s.sent)} sent, ${n(s.acked)} acknowledged, ${n(s.refused)} refused, ` +
    `${n(s.failed)} failed, ${n(s.dropped)} dropped (${n(s.devices)} devices)`
  );
}

/**
 * `loa simulate run`: one real agent per monitored device, against any broker that knows the inventory.
 * A live line every second on a terminal (every 30 s in a log); a summary when stopped.
 */
export async function runSimulate(config: SimulateRunConfig): Promise<void> {
  const inventory = await loadInventory(config.inventory);
  const secretsFile = config.secrets ?? defaultSecretsFile(config.inventory);
  const secrets = await readSecretsFile(secretsFile);
  const logger = createLogger({ name: 'loa-simulate' });
  let simulation: Simulation;
  try {
    simulation = createSimulation({
      brokerUrl: config.broker.url,
      inventory,
      secrets,
      seed: config.simulation.seed,
      logger,
      ...(config.simulation.heartbeatS !== undefined && { heartbeatS: config.simulation.heartbeatS }),
    });
  } catch (error) {
    if (!(error instanceof SimulationConfigError)) throw error;
    throw new ConfigError(`${secretsFile}: ${error.message}`);
  }

  const tty = process.stdout.isTTY;
  const timer = setInterval(
    () => {
      const line = formatSimulationStatus(simulation.stats());
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    },
    tty ? 1000 : 30_000,
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(timer);
      try {
        await simulation.stop();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping');
      }
      if (tty) process.stdout.write('\n');
      process.stdout.write(`${formatSimulationSummary(simulation.stats())}\n`);
    })());
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  const { devices } = simulation.stats();
  process.stdout.write(`simulating ${plural(devices, 'device')} → ${config.broker.url}\n`);
  await simulation.start();
  // Every device has made its first attempt: say where that left things, without waiting for the timer.
  if (stopping === undefined && !tty) {
    process.stdout.write(`${new Date().toISOString()} ${formatSimulationStatus(simulation.stats())}\n`);
  }
}
