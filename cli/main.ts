import { Command, Option } from 'commander';
import { InventoryError } from '../protocol/index.js';
import { ConfigError, resolveConfig } from './config.js';
import { runIngest } from './ingest-cmd.js';
import { ingestConfigSchema, upConfigSchema } from './schema.js';
import { registerSecret } from './secret-cmd.js';
import { runUp } from './up.js';

/** `loa`: one binary for every part (DESIGN §7). Every command has --help. */
const program = new Command('loa')
  .description('Loa: telemetry for commune loudspeaker radio (criterion 8.3)')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

function num(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`"${value}" is not a number`);
  return n;
}

program
  .command('up')
  .description(
    'run InfluxDB, the broker and the ingest on this machine (optionally with a simulated province)',
  )
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--inventory <dir>', 'folder of province inventory files')
  .option('--data <dir>', 'data folder (InfluxDB data, write-ahead log, the run record)')
  .option('--simulate', 'run a simulated province of virtual devices')
  .option('--communes <n>', 'simulated communes', num)
  .option('--heartbeat <seconds>', 'simulated heartbeat interval', num)
  .option('--mqtt-host <host>', 'broker listen address')
  .option('--mqtt-port <port>', 'broker port (0 = any free port)', num)
  .option('--http-port <port>', '/metrics and /healthz port', num)
  .option('--influx-url <url>', 'use this InfluxDB instead of starting one')
  .option('--influx-port <port>', 'port of the private influxd', num)
  .option('--influxd <path>', 'the influxd binary (default: found on PATH)')
  .option('--database <name>', 'InfluxDB database')
  .action(async (o: Record<string, string | number | boolean | undefined>) => {
    const config = resolveConfig(upConfigSchema, {
      ...(typeof o.config === 'string' && { file: o.config }),
      flags: {
        data: o.data,
        inventory: o.inventory,
        simulate: o.simulate,
        mqtt: { host: o.mqttHost, port: o.mqttPort },
        http: { port: o.httpPort },
        influx: { url: o.influxUrl, port: o.influxPort, binary: o.influxd, database: o.database },
        simulation: { communes: o.communes, heartbeatS: o.heartbeat },
      },
    });
    await runUp(config);
  });

program
  .command('ingest')
  .description('run the ingest alone against an external MQTT broker')
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--inventory <dir>', 'folder of province inventory files')
  .option('--data <dir>', 'data folder (write-ahead log)')
  .option('--broker <url>', 'broker URL, e.g. mqtt://127.0.0.1:1883')
  .option('--username <name>', 'service account name')
  .option('--client-id <id>', 'MQTT client id, stable per replica')
  .option('--shared', 'share the stream with other replicas (MQTT 5 $share/loa-ingest)')
  .option('--influx-url <url>', 'InfluxDB URL')
  .option('--database <name>', 'InfluxDB database')
  .option('--http-port <port>', '/metrics and /healthz port', num)
  .addOption(new Option('--password <secret>', 'service account secret').env('LOA_BROKER_PASSWORD'))
  .action(async (o: Record<string, string | number | boolean | undefined>) => {
    const config = resolveConfig(ingestConfigSchema, {
      ...(typeof o.config === 'string' && { file: o.config }),
      flags: {
        data: o.data,
        inventory: o.inventory,
        broker: {
          url: o.broker,
          username: o.username,
          password: o.password,
          clientId: o.clientId,
          shared: o.shared,
        },
        http: { port: o.httpPort },
        influx: { url: o.influxUrl, database: o.database },
      },
    });
    await runIngest(config);
  });

registerSecret(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  // Bad configuration and bad inventory files are the user's to fix: the message says where, no stack.
  if (error instanceof ConfigError || error instanceof InventoryError) {
    process.stderr.write(`loa: ${error.message}\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`loa: ${message}\n`);
  if (process.env.LOA_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
  process.exit(1);
});
