import type { Command } from 'commander';
import { commandConfig, CONFIG_OPTION, declareCommand, type CommandSpec } from './command-spec.js';
import { ConfigError } from './config.js';
import {
  DEFAULT_DATABASE,
  simulateBackfillConfigSchema,
  simulateGenerateConfigSchema,
  simulateLoadConfigSchema,
  simulateRunConfigSchema,
} from './schema.js';

const SIMULATE_HELP_AFTER = [
  '',
  'Example:',
  '  loa simulate generate --out sim --communes 5',
  '  loa broker --inventory sim/inventory &',
  '  loa simulate run --broker mqtt://127.0.0.1:1883 --inventory sim/inventory --secrets sim/secrets.json',
].join('\n');

/** `loa simulate generate`: its help, and the configuration key of each option. */
export const SIMULATE_GENERATE_COMMAND: CommandSpec<typeof simulateGenerateConfigSchema> = {
  name: 'simulate generate',
  description: "write OUT/inventory/<province>.yaml and OUT/secrets.json (the virtual devices' secrets)",
  schema: simulateGenerateConfigSchema,
  options: [
    CONFIG_OPTION,
    { flag: '--out <dir>', description: 'folder to write into', key: 'out' },
    {
      flag: '--communes <n>',
      description: 'communes (default {default})',
      key: 'simulation.communes',
      number: true,
    },
    {
      flag: '--hamlets <n>',
      description: 'hamlets per commune (default {default})',
      key: 'simulation.hamletsPerCommune',
      number: true,
    },
    {
      flag: '--clusters <n>',
      description: 'loudspeaker clusters per hamlet (default {default})',
      key: 'simulation.clustersPerHamlet',
      number: true,
    },
    {
      flag: '--fm-share <share>',
      description: 'share of clusters on FM, which cannot report (default {default})',
      key: 'simulation.fmShare',
      number: true,
    },
    {
      flag: '--seed <n>',
      description: 'seed: the same seed gives the same inventory (default {default})',
      key: 'simulation.seed',
      number: true,
    },
    {
      flag: '--heartbeat <seconds>',
      description: "the inventory's heartbeat_s, 5–3600 (default {default})",
      key: 'simulation.heartbeatS',
      number: true,
    },
    { flag: '--province-id <slug>', description: 'province id (default {default})', key: 'province.id' },
    {
      flag: '--province-name <name>',
      description: 'province name (default "{default}")',
      key: 'province.name',
    },
    {
      flag: '--preset <name>',
      description:
        'a named province instead of --communes/--hamlets/--clusters/--fm-share: an-giang (the 102 real units of NQ 1654)',
      key: 'simulation.preset',
    },
  ],
  helpAfter: [
    '',
    'Examples:',
    '  loa simulate generate --out sim --communes 20 --seed 7 --province-id an-giang --province-name "An Giang"',
    '  loa simulate generate --out an-giang --preset an-giang --heartbeat 60',
  ].join('\n'),
};

/** `loa simulate run`: its help, and the configuration key of each option. */
export const SIMULATE_RUN_COMMAND: CommandSpec<typeof simulateRunConfigSchema> = {
  name: 'simulate run',
  description: 'run one real agent per monitored device of an inventory against a broker',
  schema: simulateRunConfigSchema,
  options: [
    CONFIG_OPTION,
    {
      flag: '--broker <url>',
      description: 'broker URL, e.g. mqtt://127.0.0.1:1883 (default: the one of --data)',
      key: 'broker.url',
    },
    {
      flag: '--inventory <dir>',
      description: 'folder of province inventory files (default: the one of --data)',
      key: 'inventory',
    },
    {
      flag: '--secrets <file>',
      description: 'plain secrets by device id (default: secrets.json next to the inventory folder)',
      key: 'secrets',
    },
    {
      flag: '--heartbeat <seconds>',
      description: "heartbeat interval, fractions allowed (default: the inventory's)",
      key: 'simulation.heartbeatS',
      number: true,
    },
    {
      flag: '--seed <n>',
      description: 'seed of the virtual hardware readings and the faults (default {default})',
      key: 'simulation.seed',
      number: true,
    },
    {
      flag: '--scenario <file>',
      description: 'YAML scenario of faults and emergency bulletins (docs/examples/scenario.yaml)',
      key: 'scenario',
    },
    {
      flag: '--duration <seconds>',
      description: "stop by itself after this long (default: the scenario's duration)",
      key: 'durationS',
      number: true,
    },
    {
      flag: '--verify',
      description:
        'after the run, check InfluxDB: every acknowledged message stored once, every alert raised',
      key: 'verify',
    },
    {
      flag: '--verify-timeout <seconds>',
      description: 'how long --verify waits for the platform to catch up (default {default})',
      key: 'verifyTimeoutS',
      number: true,
    },
    {
      flag: '--data <dir>',
      description:
        "data folder of a running `loa up`: its broker, inventory, InfluxDB and metrics (default: loa up's)",
      key: 'data',
    },
    {
      flag: '--influx-url <url>',
      description: 'InfluxDB that --verify reads (default: the one of --data)',
      key: 'influx.url',
    },
    {
      flag: '--database <name>',
      description: 'its database (default: the one of --data, else {default})',
      key: 'influx.database',
      shownDefault: DEFAULT_DATABASE,
    },
  ],
  helpAfter: [
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
};

/** `loa simulate backfill`: its help, and the configuration key of each option. */
export const SIMULATE_BACKFILL_COMMAND: CommandSpec<typeof simulateBackfillConfigSchema> = {
  name: 'simulate backfill',
  description:
    'write the last N days of realistic telemetry straight into InfluxDB (history for a fresh install)',
  schema: simulateBackfillConfigSchema,
  options: [
    CONFIG_OPTION,
    {
      flag: '--days <n>',
      description:
        'days of history, below the raw retention (default {default}: the regularity rule needs 7)',
      key: 'backfill.days',
      number: true,
    },
    {
      flag: '--step <seconds>',
      description: "seconds between heartbeats (default: each device's heartbeat_s)",
      key: 'backfill.stepS',
      number: true,
    },
    {
      flag: '--seed <n>',
      description: 'seed: the same seed writes the same points (default {default})',
      key: 'backfill.seed',
      number: true,
    },
    {
      flag: '--outage-chance <p>',
      description: 'per device and day, the chance an outage begins (default {default})',
      key: 'backfill.outageChance',
      number: true,
    },
    {
      flag: '--summary-days <n>',
      description: 'also daily coverage summaries for this many past days (e.g. 365)',
      key: 'backfill.summaryDays',
      number: true,
    },
    {
      flag: '--data <dir>',
      description: 'data folder of a running `loa up`: its InfluxDB and inventory',
      key: 'data',
    },
    { flag: '--inventory <dir>', description: 'folder of province inventory files', key: 'inventory' },
    {
      flag: '--influx-url <url>',
      description: 'InfluxDB URL (instead of the run record)',
      key: 'influx.url',
    },
    {
      flag: '--database <name>',
      description: 'InfluxDB database (default {default})',
      key: 'influx.database',
      shownDefault: DEFAULT_DATABASE,
    },
    {
      flag: '--retention-days <n>',
      description: "the target's raw retention in days (default {default})",
      key: 'influx.retentionDays',
      number: true,
    },
  ],
  helpAfter: [
    '',
    "Points go through the ingest's own pipeline, so they are what live devices would have stored. It stops",
    'at now, or where a running platform began writing; running it twice overwrites the same points.',
    '',
    'Examples:',
    '  loa simulate backfill --days 8 --data ~/.local/share/loa',
    '  loa simulate backfill --days 14 --step 300 --inventory sim/inventory --influx-url http://127.0.0.1:8086',
    '  loa simulate backfill --days 8 --summary-days 365 --data ~/.local/share/loa   # a year for loa report',
  ].join('\n'),
};

/** `loa simulate load`: its help, and the configuration key of each option. */
export const SIMULATE_LOAD_COMMAND: CommandSpec<typeof simulateLoadConfigSchema> = {
  name: 'simulate load',
  description: 'many virtual devices over a pool of connections at a target rate, for benchmarks',
  schema: simulateLoadConfigSchema,
  options: [
    CONFIG_OPTION,
    { flag: '--broker <url>', description: 'broker URL, e.g. mqtt://127.0.0.1:1883', key: 'broker.url' },
    { flag: '--inventory <dir>', description: 'folder of province inventory files', key: 'inventory' },
    {
      flag: '--secrets <file>',
      description: 'device secrets (default: secrets.json next to the inventory folder)',
      key: 'secrets',
    },
    {
      flag: '--devices <n>',
      description: 'virtual devices: the first N monitored devices of the inventory',
      key: 'load.devices',
      number: true,
    },
    {
      flag: '--connections <n>',
      description: 'connections (default: one per device)',
      key: 'load.connections',
      number: true,
    },
    {
      flag: '--rate <msgs>',
      description: 'messages per second overall (default: as fast as acknowledged)',
      key: 'load.rate',
      number: true,
    },
    {
      flag: '--duration <seconds>',
      description: 'how long to publish (default {default})',
      key: 'load.durationS',
      number: true,
    },
    {
      flag: '--in-flight <n>',
      description: 'QoS 1 messages awaiting their PUBACK per connection (default {default})',
      key: 'load.inFlight',
      number: true,
    },
    {
      flag: '--username <name>',
      description: 'a load-generator account, to pool devices over fewer connections',
      key: 'broker.username',
    },
    {
      flag: '--password <secret>',
      description: 'its secret',
      key: 'broker.password',
      env: 'LOA_BROKER_PASSWORD',
    },
  ],
  helpAfter: [
    '',
    'With device secrets each device logs in as itself (one connection each): any broker takes that. To pool',
    "N devices over fewer connections the broker must grant a load-generator account the devices' topics:",
    'see "Load mode" in simulator/README.md. The embedded broker limits each device to 2 msg/s beyond a',
    'burst of 5,000: run it with --publish-rate 0 for long load runs.',
    '',
    'Example:',
    '  loa simulate load --broker mqtt://127.0.0.1:1883 --inventory sim/inventory --devices 200 --rate 5000 --duration 30',
  ].join('\n'),
};

/** `--preset` replaces the shape flags; giving both is refused rather than one silently ignored. */
function refuseShapeWithPreset(o: Record<string, unknown>): void {
  if (o.preset === undefined) return;
  const shaped = ['communes', 'hamlets', 'clusters', 'fmShare'].filter((k) => o[k] !== undefined);
  if (shaped.length > 0) {
    throw new ConfigError(
      `--preset sets the province's shape: drop --${shaped.join(', --')}`.replace('fmShare', 'fm-share'),
    );
  }
}

/** `loa simulate` and its commands; each implementation loads when it runs. */
export function registerSimulate(program: Command): void {
  const simulate = program
    .command('simulate')
    .description('a province of virtual devices: generate its inventory, then run it against a broker')
    .addHelpText('after', SIMULATE_HELP_AFTER);

  declareCommand(simulate.command('generate'), SIMULATE_GENERATE_COMMAND).action(
    async (o: Record<string, unknown>) => {
      refuseShapeWithPreset(o);
      const config = commandConfig(SIMULATE_GENERATE_COMMAND, o);
      const { runSimulateGenerate } = await import('./simulate-cmd.js');
      await runSimulateGenerate(config);
    },
  );

  declareCommand(simulate.command('run'), SIMULATE_RUN_COMMAND).action(async (o: Record<string, unknown>) => {
    const config = commandConfig(SIMULATE_RUN_COMMAND, o);
    const { runSimulate } = await import('./simulate-cmd.js');
    process.exitCode = await runSimulate(config);
  });

  declareCommand(simulate.command('backfill'), SIMULATE_BACKFILL_COMMAND).action(
    async (o: Record<string, unknown>) => {
      const config = commandConfig(SIMULATE_BACKFILL_COMMAND, o);
      const { runSimulateBackfill } = await import('./simulate-backfill-cmd.js');
      await runSimulateBackfill(config);
    },
  );

  declareCommand(simulate.command('load'), SIMULATE_LOAD_COMMAND).action(
    async (o: Record<string, unknown>) => {
      const config = commandConfig(SIMULATE_LOAD_COMMAND, o);
      const { runSimulateLoad } = await import('./simulate-load-cmd.js');
      await runSimulateLoad(config);
    },
  );
}
