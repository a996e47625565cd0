import type { Command } from 'commander';
import { BROKER_LISTENER_OPTIONS } from './broker-flags.js';
import { commandConfig, CONFIG_OPTION, declareCommand, type CommandSpec } from './command-spec.js';
import { upConfigSchema } from './schema.js';

/** `loa up`: its help, and the configuration key of each option. */
export const UP_COMMAND: CommandSpec<typeof upConfigSchema> = {
  name: 'up',
  description:
    'run InfluxDB, the broker and the ingest on this machine (optionally with a simulated province)',
  schema: upConfigSchema,
  options: [
    CONFIG_OPTION,
    { flag: '--inventory <dir>', description: 'folder of province inventory files', key: 'inventory' },
    {
      flag: '--data <dir>',
      description: 'data folder (InfluxDB data, write-ahead log, the run record)',
      key: 'data',
    },
    { flag: '--simulate', description: 'run a simulated province of virtual devices', key: 'simulate' },
    { flag: '--communes <n>', description: 'simulated communes', key: 'simulation.communes', number: true },
    {
      flag: '--heartbeat <seconds>',
      description: 'simulated heartbeat interval',
      key: 'simulation.heartbeatS',
      number: true,
    },
    { flag: '--mqtt-host <host>', description: 'broker listen address', key: 'mqtt.host' },
    {
      flag: '--mqtt-port <port>',
      description: 'broker port (0 = any free port)',
      key: 'mqtt.port',
      number: true,
    },
    { flag: '--http-port <port>', description: '/metrics and /healthz port', key: 'http.port', number: true },
    {
      flag: '--influx-url <url>',
      description: 'use this InfluxDB instead of starting one',
      key: 'influx.url',
    },
    {
      flag: '--influx-port <port>',
      description: 'port of the private influxd',
      key: 'influx.port',
      number: true,
    },
    {
      flag: '--influxd <path>',
      description: 'the influxd binary (default: found on PATH)',
      key: 'influx.binary',
    },
    { flag: '--database <name>', description: 'InfluxDB database', key: 'influx.database' },
    {
      flag: '--webhook <url>',
      description: 'also POST every alert here as JSON (chat-bot ready)',
      key: 'coverage.webhook',
    },
    ...BROKER_LISTENER_OPTIONS,
  ],
};

/** `loa up`; the implementation loads when it runs. */
export function registerUp(program: Command): void {
  declareCommand(program.command('up'), UP_COMMAND).action(async (o: Record<string, unknown>) => {
    const config = commandConfig(UP_COMMAND, o);
    const { runUp } = await import('./up.js');
    await runUp(config);
  });
}
