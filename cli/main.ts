import { Command, Option } from 'commander';
import { InventoryError } from '../protocol/index.js';
import { registerAgent } from './agent-register.js';
import { ConfigError, resolveConfig } from './config.js';
import { registerExportMosquitto } from './export-mosquitto-register.js';
import { registerCoverage, registerReport } from './coverage-cmd.js';
import { registerDashboards } from './dashboards-cmd.js';
import {
  brokerConfigSchema,
  ingestConfigSchema,
  simulateGenerateConfigSchema,
  simulateRunConfigSchema,
  upConfigSchema,
} from './schema.js';
import { registerSecret } from './secret-cmd.js';

/**
 * `loa`: one binary for every part (DESIGN §7). Every command has --help.
 * Each command loads its implementation when it runs, not before: `loa agent` on a small box must not pay
 * for the broker, the ingest and InfluxDB clients in memory (docs/performance.md, agent RSS).
 */
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
  .option('--webhook <url>', 'also POST every alert here as JSON (chat-bot ready)')
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
        coverage: { webhook: o.webhook },
      },
    });
    const { runUp } = await import('./up.js');
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
    const { runIngest } = await import('./ingest-cmd.js');
    await runIngest(config);
  });

const brokerCommand = program
  .command('broker')
  .description('run the embedded MQTT broker alone (no ingest): `loa ingest` replicas consume over MQTT')
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--inventory <dir>', 'folder of province inventory files (device identities)')
  .option('--host <host>', 'listen address (default 127.0.0.1; 0.0.0.0 for devices on the network)')
  .option('--port <port>', 'MQTT port (default 1883; 0 = any free port)', num)
  .option(
    '--service-accounts <file>',
    'YAML list of service accounts: - { username, secret: <hash from loa secret hash>, role: ingest|reader }',
  )
  .option('--http-port <port>', '/metrics and /healthz port (default 9466)', num)
  .option('--tls-port <port>', 'TLS listener port (default 8883, with --tls-cert)', num)
  .option('--tls-cert <file>', 'PEM certificate of the TLS listener')
  .option('--tls-key <file>', 'PEM key of the TLS listener')
  .option(
    '--tls-ca <file>',
    'PEM CA of device certificates: a certificate whose CN is a device id logs it in',
  )
  .option('--tls-require-client-cert', 'mutual TLS only on the TLS listener')
  .option('--ws-port <port>', 'MQTT over WebSocket listener port (path /mqtt)', num)
  .option(
    '--redis <url>',
    'share the stream with other `loa broker` instances through Redis, e.g. redis://127.0.0.1:6379',
  )
  .addHelpText(
    'after',
    [
      '',
      'Example:',
      '  loa broker --inventory /etc/loa/inventory --host 0.0.0.0 --port 1883 \\',
      '    --service-accounts /etc/loa/service-accounts.yaml',
      '',
      'service-accounts.yaml:',
      '  - { username: loa-ingest, secret: "scrypt$16384$8$1$…", role: ingest }',
      '  - { username: console, secret: "scrypt$16384$8$1$…", role: reader }',
    ].join('\n'),
  )
  .action(async (o: Record<string, string | number | boolean | undefined>) => {
    const config = resolveConfig(brokerConfigSchema, {
      ...(typeof o.config === 'string' && { file: o.config }),
      flags: {
        inventory: o.inventory,
        serviceAccounts: o.serviceAccounts,
        ...(o.tlsCert !== undefined && {
          tls: {
            port: o.tlsPort,
            key: o.tlsKey,
            cert: o.tlsCert,
            ca: o.tlsCa,
            requireClientCert: o.tlsRequireClientCert,
          },
        }),
        ...(o.wsPort !== undefined && { ws: { port: o.wsPort } }),
        redis: o.redis,
        mqtt: { host: o.host, port: o.port },
        http: { port: o.httpPort },
      },
    });
    const { runBroker } = await import('./broker-cmd.js');
    await runBroker(config);
  });
registerExportMosquitto(brokerCommand);

registerAgent(program);

const simulate = program
  .command('simulate')
  .description('a province of virtual devices: generate its inventory, then run it against a broker')
  .addHelpText(
    'after',
    [
      '',
      'Example:',
      '  loa simulate generate --out sim --communes 5',
      '  loa broker --inventory sim/inventory &',
      '  loa simulate run --broker mqtt://127.0.0.1:1883 --inventory sim/inventory --secrets sim/secrets.json',
    ].join('\n'),
  );

simulate
  .command('generate')
  .description("write OUT/inventory/<province>.yaml and OUT/secrets.json (the virtual devices' secrets)")
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--out <dir>', 'folder to write into')
  .option('--communes <n>', 'communes (default 3)', num)
  .option('--hamlets <n>', 'hamlets per commune (default 4)', num)
  .option('--clusters <n>', 'loudspeaker clusters per hamlet (default 2)', num)
  .option('--fm-share <share>', 'share of clusters on FM, which cannot report (default 0.1)', num)
  .option('--seed <n>', 'seed: the same seed gives the same inventory (default 1)', num)
  .option('--heartbeat <seconds>', "the inventory's heartbeat_s, 5–3600 (default 10)", num)
  .option('--province-id <slug>', 'province id (default an-giang)')
  .option('--province-name <name>', 'province name (default "An Giang")')
  .addHelpText(
    'after',
    '\nExample:\n  loa simulate generate --out sim --communes 20 --seed 7 --province-id an-giang --province-name "An Giang"',
  )
  .action(async (o: Record<string, string | number | undefined>) => {
    const config = resolveConfig(simulateGenerateConfigSchema, {
      ...(typeof o.config === 'string' && { file: o.config }),
      flags: {
        out: o.out,
        province: { id: o.provinceId, name: o.provinceName },
        simulation: {
          communes: o.communes,
          hamletsPerCommune: o.hamlets,
          clustersPerHamlet: o.clusters,
          fmShare: o.fmShare,
          seed: o.seed,
          heartbeatS: o.heartbeat,
        },
      },
    });
    const { runSimulateGenerate } = await import('./simulate-cmd.js');
    await runSimulateGenerate(config);
  });

simulate
  .command('run')
  .description('run one real agent per monitored device of an inventory against a broker')
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--broker <url>', 'broker URL, e.g. mqtt://127.0.0.1:1883')
  .option('--inventory <dir>', 'folder of province inventory files')
  .option(
    '--secrets <file>',
    'plain secrets by device id (default: secrets.json next to the inventory folder)',
  )
  .option('--heartbeat <seconds>', "heartbeat interval, fractions allowed (default: the inventory's)", num)
  .option('--seed <n>', 'seed of the virtual hardware readings (default 1)', num)
  .addHelpText(
    'after',
    [
      '',
      'Prints devices online, messages sent and acknowledged every second on a terminal (every 30 s',
      'otherwise), and a summary on SIGINT/SIGTERM.',
      '',
      'Example:',
      '  loa simulate run --broker mqtt://127.0.0.1:1883 --inventory sim/inventory --secrets sim/secrets.json',
    ].join('\n'),
  )
  .action(async (o: Record<string, string | number | undefined>) => {
    const config = resolveConfig(simulateRunConfigSchema, {
      ...(typeof o.config === 'string' && { file: o.config }),
      flags: {
        broker: { url: o.broker },
        inventory: o.inventory,
        secrets: o.secrets,
        simulation: { heartbeatS: o.heartbeat, seed: o.seed },
      },
    });
    const { runSimulate } = await import('./simulate-cmd.js');
    await runSimulate(config);
  });

registerSecret(program);
registerCoverage(program);
registerReport(program);
registerDashboards(program);

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
