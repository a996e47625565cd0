import { messages, type Messages } from '../i18n/index.js';
import { loadInventory } from '../protocol/index.js';
import { LoadConfigError, runLoad, type LoadResult } from '../simulator/index.js';
import { ConfigError } from './config.js';
import { currentMessages } from './lang.js';
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
  const m = currentMessages();
  process.stdout.write(
    `${m.t('load.start', {
      devices: m.t('count.devices', { n: l.devices }),
      connections: l.connections ?? l.devices,
      broker: config.broker.url,
      rate: l.rate === undefined ? m.t('load.asFast') : m.t('simulate.rate', { rate: l.rate }),
      seconds: l.durationS,
    })}\n`,
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
  process.stdout.write(formatLoad(result, m));
  if (result.failed > 0) process.exitCode = 1;
}

export function formatLoad(r: LoadResult, m: Messages = messages('vi')): string {
  const done = m.t('load.done', {
    sent: r.sent,
    acked: r.acked,
    failed: r.failed,
    seconds: m.number(r.seconds, 1),
    rate: Math.round(r.acked / Math.max(r.seconds, 1e-3)),
  });
  const expected = m.t('load.expected', { acked: r.acked, devices: m.t('count.devices', { n: r.devices }) });
  return `${done}\n${expected}\n`;
}
