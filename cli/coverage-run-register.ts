import type { Command } from 'commander';
import { commandConfig, CONFIG_OPTION, declareCommand, type CommandSpec } from './command-spec.js';
import { coverageRunConfigSchema } from './schema.js';

/** `loa coverage run`: its help, and the configuration key of each option. */
export const COVERAGE_RUN_COMMAND: CommandSpec<typeof coverageRunConfigSchema> = {
  name: 'coverage run',
  description:
    'run the coverage engine as a service of its own, against an external broker (with `loa ingest` replicas)',
  schema: coverageRunConfigSchema,
  options: [
    CONFIG_OPTION,
    { flag: '--inventory <dir>', description: 'folder of province inventory files', key: 'inventory' },
    {
      flag: '--broker <url>',
      description: 'broker URL, e.g. mqtt://mqtt.example.vn:1883',
      key: 'broker.url',
    },
    {
      flag: '--username <name>',
      description: 'service account name (role ingest: it reads everything, writes alerts)',
      key: 'broker.username',
    },
    {
      flag: '--client-id <id>',
      description: 'MQTT client id (default {default})',
      key: 'broker.clientId',
    },
    { flag: '--influx-url <url>', description: 'InfluxDB URL', key: 'influx.url' },
    { flag: '--database <name>', description: 'InfluxDB database', key: 'influx.database' },
    {
      flag: '--http-port <port>',
      description: '/metrics and /healthz port (default {default})',
      key: 'http.port',
      number: true,
    },
    {
      flag: '--webhook <url>',
      description: 'also POST every alert here as JSON (chat-bot ready)',
      key: 'coverage.webhook',
    },
    {
      flag: '--password <secret>',
      description: 'service account secret',
      key: 'broker.password',
      env: 'LOA_BROKER_PASSWORD',
    },
  ],
  helpAfter: [
    '',
    'One instance: the engine needs the whole stream, not a share of it. On a restart it rebuilds its',
    'state from InfluxDB; alerts go to …/_platform/alert on the broker, to InfluxDB and to the webhook.',
    '',
    'Example:',
    '  LOA_BROKER_PASSWORD=… loa coverage run --inventory /etc/loa/inventory \\',
    '    --broker mqtt://mqtt.example.vn:1883 --username loa-coverage --influx-url http://influx:8086',
  ].join('\n'),
};

/** `loa coverage run`: the engine as its own service; the implementation loads when it runs. */
export function registerCoverageRun(coverage: Command): void {
  declareCommand(coverage.command('run'), COVERAGE_RUN_COMMAND).action(async (o: Record<string, unknown>) => {
    const config = commandConfig(COVERAGE_RUN_COMMAND, o);
    const { runCoverageService } = await import('./coverage-run-cmd.js');
    await runCoverageService(config);
  });
}
