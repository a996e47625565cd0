import type { Command } from 'commander';
import { commandConfig, CONFIG_OPTION, declareCommand, type CommandSpec } from './command-spec.js';
import { ingestConfigSchema } from './schema.js';

/** `loa ingest`: its help, and the configuration key of each option. */
export const INGEST_COMMAND: CommandSpec<typeof ingestConfigSchema> = {
  name: 'ingest',
  description: 'run the ingest alone against an external MQTT broker',
  schema: ingestConfigSchema,
  options: [
    CONFIG_OPTION,
    { flag: '--inventory <dir>', description: 'folder of province inventory files', key: 'inventory' },
    { flag: '--data <dir>', description: 'data folder (write-ahead log)', key: 'data' },
    { flag: '--broker <url>', description: 'broker URL, e.g. mqtt://127.0.0.1:1883', key: 'broker.url' },
    { flag: '--username <name>', description: 'service account name', key: 'broker.username' },
    { flag: '--client-id <id>', description: 'MQTT client id, stable per replica', key: 'broker.clientId' },
    {
      flag: '--shared',
      description: 'share the stream with other replicas (MQTT 5 $share/loa-ingest)',
      key: 'broker.shared',
    },
    { flag: '--influx-url <url>', description: 'InfluxDB URL', key: 'influx.url' },
    { flag: '--database <name>', description: 'InfluxDB database', key: 'influx.database' },
    { flag: '--http-port <port>', description: '/metrics and /healthz port', key: 'http.port', number: true },
    {
      flag: '--password <secret>',
      description: 'service account secret',
      key: 'broker.password',
      env: 'LOA_BROKER_PASSWORD',
    },
  ],
};

/** `loa ingest`; the implementation loads when it runs. */
export function registerIngest(program: Command): void {
  declareCommand(program.command('ingest'), INGEST_COMMAND).action(async (o: Record<string, unknown>) => {
    const config = commandConfig(INGEST_COMMAND, o);
    const { runIngest } = await import('./ingest-cmd.js');
    await runIngest(config);
  });
}
