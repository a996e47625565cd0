import type { Command } from 'commander';
import { BROKER_LISTENER_OPTIONS } from './broker-flags.js';
import { commandConfig, CONFIG_OPTION, declareCommand, type CommandSpec } from './command-spec.js';
import { registerExportMosquitto } from './export-mosquitto-register.js';
import { brokerConfigSchema } from './schema.js';

/** `loa broker`: its help, and the configuration key of each option. */
export const BROKER_COMMAND: CommandSpec<typeof brokerConfigSchema> = {
  name: 'broker',
  description: 'run the embedded MQTT broker alone (no ingest): `loa ingest` replicas consume over MQTT',
  schema: brokerConfigSchema,
  options: [
    CONFIG_OPTION,
    {
      flag: '--inventory <dir>',
      description: 'folder of province inventory files (device identities)',
      key: 'inventory',
    },
    {
      flag: '--host <host>',
      description: 'listen address (default {default}; 0.0.0.0 for devices on the network)',
      key: 'mqtt.host',
    },
    {
      flag: '--port <port>',
      description: 'MQTT port (default {default}; 0 = any free port)',
      key: 'mqtt.port',
      number: true,
    },
    {
      flag: '--http-port <port>',
      description: '/metrics and /healthz port (default {default})',
      key: 'http.port',
      number: true,
    },
    ...BROKER_LISTENER_OPTIONS,
  ],
  helpAfter: [
    '',
    'Example:',
    '  loa broker --inventory /etc/loa/inventory --host 0.0.0.0 --port 1883 \\',
    '    --service-accounts /etc/loa/service-accounts.yaml',
    '',
    'service-accounts.yaml:',
    '  - { username: loa-ingest, secret: "scrypt$16384$8$1$…", role: ingest }',
    '  - { username: console, secret: "scrypt$16384$8$1$…", role: reader }',
  ].join('\n'),
};

/** `loa broker` and `loa broker export-mosquitto`; the implementations load when they run. */
export function registerBroker(program: Command): void {
  const broker = declareCommand(program.command('broker'), BROKER_COMMAND).action(
    async (o: Record<string, unknown>) => {
      const config = commandConfig(BROKER_COMMAND, o);
      const { runBroker } = await import('./broker-cmd.js');
      await runBroker(config);
    },
  );
  registerExportMosquitto(broker);
}
