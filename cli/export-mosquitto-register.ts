import type { Command } from 'commander';
import type { ExportMosquittoOptions } from './export-mosquitto-cmd.js';

/** `loa broker export-mosquitto`; the implementation (and the broker it imports) loads when it runs. */
export function registerExportMosquitto(broker: Command): void {
  // `loa broker` has --inventory too: its own options stop at the subcommand's name (commander needs
  // this on the program as well; the program has no options of its own, so nothing else changes).
  broker.parent?.enablePositionalOptions();
  broker.enablePositionalOptions();
  broker
    .command('export-mosquitto')
    .description('write a Mosquitto 2 password file, ACL file and configuration snippet from the inventory')
    .requiredOption('--inventory <dir>', 'folder of province inventory files')
    .requiredOption('--out <dir>', 'folder to write passwd, acl and mosquitto.conf into')
    .option(
      '--secrets <file>',
      'JSON map of device ids (and service account names) to plain secrets, checked against the hashes; ' +
        'without it, accounts log in with TLS client certificates (CN = id) and no password file is written',
    )
    .option('--service-accounts <file>', 'the service accounts file of `loa broker`')
    .addHelpText(
      'after',
      [
        '',
        'Mosquitto hashes passwords its own way (PBKDF2-SHA512), which cannot be derived from the',
        "inventory's scrypt hashes: for password logins the plain secrets are needed once, here",
        '(--secrets); accounts without one are left out. Without --secrets the export is for TLS client',
        'certificates whose CN is the account id: ACL and configuration only. Then append',
        'OUT/mosquitto.conf to the Mosquitto configuration, after the listener.',
        '',
        'Examples:',
        '  loa broker export-mosquitto --inventory inventory --secrets secrets.json \\',
        '    --service-accounts service-accounts.yaml --out /etc/mosquitto/loa',
        '  loa broker export-mosquitto --inventory inventory --out /etc/mosquitto/loa   # certificates',
      ].join('\n'),
    )
    .action(async (o: ExportMosquittoOptions) => {
      const { runExportMosquitto } = await import('./export-mosquitto-cmd.js');
      await runExportMosquitto(o);
    });
}
