import { Option, type Command } from 'commander';
import { resolveCommandConfig } from './config.js';
import { coverageRunConfigSchema } from './schema.js';
import { num } from './number-option.js';

/** `loa coverage run`: the engine as its own service; the implementation loads when it runs. */
export function registerCoverageRun(coverage: Command): void {
  coverage
    .command('run')
    .description(
      'run the coverage engine as a service of its own, against an external broker (with `loa ingest` replicas)',
    )
    .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
    .option('--inventory <dir>', 'folder of province inventory files')
    .option('--broker <url>', 'broker URL, e.g. mqtt://mqtt.example.vn:1883')
    .option('--username <name>', 'service account name (role ingest: it reads everything, writes alerts)')
    .option('--client-id <id>', 'MQTT client id (default loa-coverage)')
    .option('--influx-url <url>', 'InfluxDB URL')
    .option('--database <name>', 'InfluxDB database')
    .option('--http-port <port>', '/metrics and /healthz port (default 9467)', num)
    .option('--webhook <url>', 'also POST every alert here as JSON (chat-bot ready)')
    .addOption(new Option('--password <secret>', 'service account secret').env('LOA_BROKER_PASSWORD'))
    .addHelpText(
      'after',
      [
        '',
        'One instance: the engine needs the whole stream, not a share of it. On a restart it rebuilds its',
        'state from InfluxDB; alerts go to …/_platform/alert on the broker, to InfluxDB and to the webhook.',
        '',
        'Example:',
        '  LOA_BROKER_PASSWORD=… loa coverage run --inventory /etc/loa/inventory \\',
        '    --broker mqtt://mqtt.example.vn:1883 --username loa-coverage --influx-url http://influx:8086',
      ].join('\n'),
    )
    .action(async (o: Record<string, string | number | undefined>) => {
      const config = resolveCommandConfig(coverageRunConfigSchema, o, {
        inventory: o.inventory,
        broker: { url: o.broker, username: o.username, password: o.password, clientId: o.clientId },
        http: { port: o.httpPort },
        influx: { url: o.influxUrl, database: o.database },
        coverage: { webhook: o.webhook },
      });
      const { runCoverageService } = await import('./coverage-run-cmd.js');
      await runCoverageService(config);
    });
}
