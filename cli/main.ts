import { Command, Option } from 'commander';
import { registerAgent } from './agent-register.js';
import { addBrokerListenerOptions, brokerListenerFlags } from './broker-flags.js';
import { ConfigError, resolveCommandConfig } from './config.js';
import { exitOnError } from './exit.js';
import { addLangOption } from './lang.js';
import { registerExportMosquitto } from './export-mosquitto-register.js';
import { registerCoverage } from './coverage-cmd.js';
import { registerReport } from './report-cmd.js';
import { registerDashboards } from './dashboards-cmd.js';
import { registerMaintenance } from './maintenance-cmd.js';
import {
  brokerConfigSchema,
  ingestConfigSchema,
  simulateBackfillConfigSchema,
  simulateGenerateConfigSchema,
  simulateLoadConfigSchema,
  simulateRunConfigSchema,
  upConfigSchema,
} from './schema.js';
import { registerSecret } from './secret-cmd.js';
import { num } from './number-option.js';
import { LOA_VERSION } from '../runtime/index.js';

/**
 * `loa`: one binary for every part (docs/design.md#commands). Every command has --help.
 * Each command loads its implementation when it runs, not before: `loa agent` on a small box must not pay
 * for the broker, the ingest and InfluxDB clients in memory (docs/performance.md, agent RSS).
 */
const program = new Command('loa')
  .description('Loa: telemetry for commune loudspeaker radio (the new-rural loudspeaker criterion)')
  .version(LOA_VERSION)
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

const upCommand = program
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
  .option('--webhook <url>', 'also POST every alert here as JSON (chat-bot ready)');
addBrokerListenerOptions(upCommand, num).action(
  async (o: Record<string, string | number | boolean | undefined>) => {
    const config = resolveCommandConfig(upConfigSchema, o, {
      data: o.data,
      inventory: o.inventory,
      simulate: o.simulate,
      mqtt: { host: o.mqttHost, port: o.mqttPort },
      http: { port: o.httpPort },
      influx: { url: o.influxUrl, port: o.influxPort, binary: o.influxd, database: o.database },
      simulation: { communes: o.communes, heartbeatS: o.heartbeat },
      coverage: { webhook: o.webhook },
      ...brokerListenerFlags(o),
    });
    const { runUp } = await import('./up.js');
    await runUp(config);
  },
);

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
    const config = resolveCommandConfig(ingestConfigSchema, o, {
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
  .option('--http-port <port>', '/metrics and /healthz port (default 9466)', num);
addBrokerListenerOptions(brokerCommand, num)
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
    const config = resolveCommandConfig(brokerConfigSchema, o, {
      inventory: o.inventory,
      ...brokerListenerFlags(o),
      mqtt: { host: o.host, port: o.port },
      http: { port: o.httpPort },
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
  .option(
    '--preset <name>',
    'a named province instead of --communes/--hamlets/--clusters/--fm-share: an-giang (the 102 real units of NQ 1654)',
  )
  .addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  loa simulate generate --out sim --communes 20 --seed 7 --province-id an-giang --province-name "An Giang"',
      '  loa simulate generate --out an-giang --preset an-giang --heartbeat 60',
    ].join('\n'),
  )
  .action(async (o: Record<string, string | number | undefined>) => {
    if (o.preset !== undefined) {
      const shaped = ['communes', 'hamlets', 'clusters', 'fmShare'].filter((k) => o[k] !== undefined);
      if (shaped.length > 0) {
        throw new ConfigError(
          `--preset sets the province's shape: drop --${shaped.join(', --')}`.replace('fmShare', 'fm-share'),
        );
      }
    }
    const config = resolveCommandConfig(simulateGenerateConfigSchema, o, {
      out: o.out,
      province: { id: o.provinceId, name: o.provinceName },
      simulation: {
        communes: o.communes,
        hamletsPerCommune: o.hamlets,
        clustersPerHamlet: o.clusters,
        fmShare: o.fmShare,
        seed: o.seed,
        heartbeatS: o.heartbeat,
        preset: o.preset,
      },
    });
    const { runSimulateGenerate } = await import('./simulate-cmd.js');
    await runSimulateGenerate(config);
  });

simulate
  .command('run')
  .description('run one real agent per monitored device of an inventory against a broker')
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--broker <url>', 'broker URL, e.g. mqtt://127.0.0.1:1883 (default: the one of --data)')
  .option('--inventory <dir>', 'folder of province inventory files (default: the one of --data)')
  .option(
    '--secrets <file>',
    'plain secrets by device id (default: secrets.json next to the inventory folder)',
  )
  .option('--heartbeat <seconds>', "heartbeat interval, fractions allowed (default: the inventory's)", num)
  .option('--seed <n>', 'seed of the virtual hardware readings and the faults (default 1)', num)
  .option(
    '--scenario <file>',
    'YAML scenario of faults and emergency bulletins (docs/examples/scenario.yaml)',
  )
  .option('--duration <seconds>', "stop by itself after this long (default: the scenario's duration)", num)
  .option(
    '--verify',
    'after the run, check InfluxDB: every acknowledged message stored once, every alert raised',
  )
  .option(
    '--verify-timeout <seconds>',
    'how long --verify waits for the platform to catch up (default 60)',
    num,
  )
  .option(
    '--data <dir>',
    "data folder of a running `loa up`: its broker, inventory, InfluxDB and metrics (default: loa up's)",
  )
  .option('--influx-url <url>', 'InfluxDB that --verify reads (default: the one of --data)')
  .option('--database <name>', 'its database (default: the one of --data, else loa)')
  .addHelpText(
    'after',
    [
      '',
      'Prints devices online, messages per second, faults active, messages sent and acknowledged every',
      'second on a terminal (every 30 s otherwise), and a summary at the end (after --duration, or on',
      'SIGINT/SIGTERM). With --verify the exit code is 1 when anything acknowledged is missing or',
      'duplicated in InfluxDB, or an injected fault did not raise its alert.',
      '',
      'Examples:',
      '  loa simulate run --broker mqtt://127.0.0.1:1883 --inventory sim/inventory --secrets sim/secrets.json',
      '  loa simulate run --data ~/.local/share/loa --secrets sim/secrets.json \\',
      '    --scenario docs/examples/scenario.yaml --duration 120 --verify',
    ].join('\n'),
  )
  .action(async (o: Record<string, string | number | boolean | undefined>) => {
    const config = resolveCommandConfig(simulateRunConfigSchema, o, {
      ...(o.broker !== undefined && { broker: { url: o.broker } }),
      inventory: o.inventory,
      secrets: o.secrets,
      scenario: o.scenario,
      durationS: o.duration,
      verify: o.verify,
      verifyTimeoutS: o.verifyTimeout,
      data: o.data,
      influx: { url: o.influxUrl, database: o.database },
      simulation: { heartbeatS: o.heartbeat, seed: o.seed },
    });
    const { runSimulate } = await import('./simulate-cmd.js');
    process.exitCode = await runSimulate(config);
  });

simulate
  .command('backfill')
  .description(
    'write the last N days of realistic telemetry straight into InfluxDB (history for a fresh install)',
  )
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option(
    '--days <n>',
    'days of history, below the raw retention (default 8: the regularity rule needs 7)',
    num,
  )
  .option('--step <seconds>', "seconds between heartbeats (default: each device's heartbeat_s)", num)
  .option('--seed <n>', 'seed: the same seed writes the same points (default 1)', num)
  .option('--outage-chance <p>', 'per device and day, the chance an outage begins (default 0.02)', num)
  .option('--summary-days <n>', 'also daily coverage summaries for this many past days (e.g. 365)', num)
  .option('--data <dir>', 'data folder of a running `loa up`: its InfluxDB and inventory')
  .option('--inventory <dir>', 'folder of province inventory files')
  .option('--influx-url <url>', 'InfluxDB URL (instead of the run record)')
  .option('--database <name>', 'InfluxDB database (default loa)')
  .option('--retention-days <n>', "the target's raw retention in days (default 30)", num)
  .addHelpText(
    'after',
    [
      '',
      "Points go through the ingest's own pipeline, so they are what live devices would have stored. It stops",
      'at now, or where a running platform began writing; running it twice overwrites the same points.',
      '',
      'Examples:',
      '  loa simulate backfill --days 8 --data ~/.local/share/loa',
      '  loa simulate backfill --days 14 --step 300 --inventory sim/inventory --influx-url http://127.0.0.1:8086',
      '  loa simulate backfill --days 8 --summary-days 365 --data ~/.local/share/loa   # a year for loa report',
    ].join('\n'),
  )
  .action(async (o: Record<string, string | number | undefined>) => {
    const config = resolveCommandConfig(simulateBackfillConfigSchema, o, {
      data: o.data,
      inventory: o.inventory,
      influx: { url: o.influxUrl, database: o.database, retentionDays: o.retentionDays },
      backfill: {
        days: o.days,
        stepS: o.step,
        seed: o.seed,
        outageChance: o.outageChance,
        summaryDays: o.summaryDays,
      },
    });
    const { runSimulateBackfill } = await import('./simulate-backfill-cmd.js');
    await runSimulateBackfill(config);
  });

simulate
  .command('load')
  .description('many virtual devices over a pool of connections at a target rate, for benchmarks')
  .option('--config <file>', 'YAML configuration file (flags and LOA_* variables override it)')
  .option('--broker <url>', 'broker URL, e.g. mqtt://127.0.0.1:1883')
  .option('--inventory <dir>', 'folder of province inventory files')
  .option('--secrets <file>', 'device secrets (default: secrets.json next to the inventory folder)')
  .option('--devices <n>', 'virtual devices: the first N monitored devices of the inventory', num)
  .option('--connections <n>', 'connections (default: one per device)', num)
  .option('--rate <msgs>', 'messages per second overall (default: as fast as acknowledged)', num)
  .option('--duration <seconds>', 'how long to publish (default 10)', num)
  .option('--in-flight <n>', 'QoS 1 messages awaiting their PUBACK per connection (default 8)', num)
  .option('--username <name>', 'a load-generator account, to pool devices over fewer connections')
  .addOption(new Option('--password <secret>', 'its secret').env('LOA_BROKER_PASSWORD'))
  .addHelpText(
    'after',
    [
      '',
      'With device secrets each device logs in as itself (one connection each): any broker takes that. To pool',
      "N devices over fewer connections the broker must grant a load-generator account the devices' topics:",
      'see "Load mode" in simulator/README.md. The embedded broker limits each device to 2 msg/s beyond a',
      'burst of 5,000: run it with --publish-rate 0 for long load runs.',
      '',
      'Example:',
      '  loa simulate load --broker mqtt://127.0.0.1:1883 --inventory sim/inventory --devices 200 --rate 5000 --duration 30',
    ].join('\n'),
  )
  .action(async (o: Record<string, string | number | undefined>) => {
    const config = resolveCommandConfig(simulateLoadConfigSchema, o, {
      broker: { url: o.broker, username: o.username, password: o.password },
      inventory: o.inventory,
      secrets: o.secrets,
      load: {
        devices: o.devices,
        connections: o.connections,
        rate: o.rate,
        durationS: o.duration,
        inFlight: o.inFlight,
      },
    });
    const { runSimulateLoad } = await import('./simulate-load-cmd.js');
    await runSimulateLoad(config);
  });

registerSecret(program);
registerCoverage(program);
registerReport(program);
registerMaintenance(program);
registerDashboards(program);
addLangOption(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  exitOnError('loa', error);
});
