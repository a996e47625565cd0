import { loadInventory } from '../protocol/index.js';
import { LoadConfigError, runLoad, type LoadResult } from '../simulator/index.js';
import { ConfigError } from './config.js';
import type { SimulateLoadConfig } from './schema.js';
import { defaultSecretsFile, readSecretsFile } from './simulate-cmd.js';

/** `loa simulate load`: publishes for the duration, then says what InfluxDB must now hold. */
export async function runSimulateLoad(config: SimulateLoadConfig): Promise<void> {
  const inventory = await loadInventory(config.inventory);
  const { username, password } = config.broker;
  if ((username === undefined) !== (password === undefined)) {
    throw new ConfigError('--username and --password (LOA_BROKER_PASSWORD) go together');
  }
  const account = username !== undefined && password !== undefined ? { username, password } : undefined;
  const secrets = account
    ? undefined
    : await readSecretsFile(config.secrets ?? defaultSecretsFile(config.inventory));
  const l = config.load;
  process.stdout.write(
    `load: ${l.devices} devices over ${l.connections ?? l.devices} connections → ${config.broker.url}, ` +
      `${l.rate === undefined ? 'as fast as acknowledged' : `${l.rate} msg/s`} for ${l.durationS} s\n`,
  );
  let result: LoadResult;
  try {
    result = await runLoad({
      brokerUrl: config.broker.url,
      inventory,
      devices: l.devices,
      durationS: l.durationS,
      inFlight: l.inFlight,
      ...(l.connections !== undefined && { connections: l.connections }),
      ...(l.rate !== undefined && { rate: l.rate }),
      ...(account ? { account } : { secrets: secrets ?? {} }),
    });
  } catch (error) {
    if (error instanceof LoadConfigError) throw new ConfigError(error.message);
    throw error;
  }
  process.stdout.write(formatLoad(result));
  if (result.failed > 0) process.exitCode = 1;
}

export function formatLoad(r: LoadResult): string {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  return (
    `sent ${n(r.sent)}, acknowledged ${n(r.acked)}, failed ${n(r.failed)} in ${r.seconds.toFixed(1)} s ` +
    `(${n(r.acked / Math.max(r.seconds, 1e-3))} msg/s acknowledged)\n` +
    `expected in InfluxDB: ${n(r.acked)} heartbeat points from ${n(r.devices)} devices\n`
  );
}
