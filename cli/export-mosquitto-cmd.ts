import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_BROKER_LIMITS, exportMosquitto, type ServiceAccount } from '../broker/index.js';
import { loadInventory, verifySecret, type Inventory } from '../protocol/index.js';
import { loadServiceAccounts } from './broker-cmd.js';
import { ConfigError } from './config.js';
import { readSecretsFile } from './simulate-cmd.js';

export interface ExportMosquittoOptions {
  inventory: string;
  out: string;
  secrets: string;
  serviceAccounts?: string;
}

/**
 * `loa broker export-mosquitto` (DESIGN §7): writes `passwd`, `acl` and `mosquitto.conf` into OUT.
 * The plain secrets come from a JSON file (`{ "device-or-account": "secret" }`, the shape of the
 * simulator's `secrets.json`); each is checked against the inventory's hash first, so a stale file
 * cannot give Mosquitto a secret the embedded broker would refuse (broker/mosquitto.ts says why
 * plain secrets are needed at all).
 */
export async function runExportMosquitto(options: ExportMosquittoOptions): Promise<void> {
  const inventory = await loadInventory(options.inventory);
  const serviceAccounts =
    options.serviceAccounts === undefined ? [] : await loadServiceAccounts(options.serviceAccounts);
  const plain = await readSecretsFile(options.secrets);
  const secrets = await checkedSecrets(inventory, serviceAccounts, plain, options.secrets);
  const out = resolve(options.out);
  const passwdPath = join(out, 'passwd');
  const aclPath = join(out, 'acl');
  const result = await exportMosquitto({
    inventory,
    serviceAccounts,
    secrets,
    passwdPath,
    aclPath,
    limits: DEFAULT_BROKER_LIMITS,
  });
  await mkdir(out, { recursive: true });
  // The password file holds hashes only, but they are still worth guessing at: owner-only.
  await writeFile(passwdPath, result.passwd, { mode: 0o600 });
  await writeFile(aclPath, result.acl);
  await writeFile(join(out, 'mosquitto.conf'), result.conf);
  process.stdout.write(
    [
      `wrote ${passwdPath} (${result.accounts} accounts), ${aclPath}, ${join(out, 'mosquitto.conf')}`,
      ...(result.missing.length === 0
        ? []
        : [
            `no secret for ${result.missing.length} account(s), left out (they cannot log in to Mosquitto): ` +
              result.missing.slice(0, 20).join(', ') +
              (result.missing.length > 20 ? ', …' : ''),
          ]),
      '',
    ].join('\n'),
  );
}

/** Plain secrets that match their stored hashes; a mismatch stops the export and names the account. */
async function checkedSecrets(
  inventory: Inventory,
  serviceAccounts: readonly ServiceAccount[],
  plain: Record<string, string>,
  file: string,
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const device of inventory.allDevices()) {
    if (device.secretHash !== undefined) hashes.set(device.device, device.secretHash);
  }
  for (const account of serviceAccounts) hashes.set(account.username, account.secretHash);
  const checked = new Map<string, string>();
  const wrong: string[] = [];
  // scrypt runs on libuv's thread pool: all at once keeps its threads busy.
  await Promise.all(
    Object.entries(plain).map(async ([id, secret]) => {
      const hash = hashes.get(id);
      if (hash === undefined) return; // not an account of this inventory: ignored
      if (await verifySecret(secret, hash)) checked.set(id, secret);
      else wrong.push(id);
    }),
  );
  if (wrong.length > 0) {
    throw new ConfigError(
      `${file}: the secret of ${wrong.sort().slice(0, 20).join(', ')} does not match the inventory's hash`,
    );
  }
  return checked;
}

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
    .requiredOption(
      '--secrets <file>',
      'JSON map of device ids (and service account names) to plain secrets, checked against the hashes',
    )
    .option('--service-accounts <file>', 'the service accounts file of `loa broker`')
    .addHelpText(
      'after',
      [
        '',
        'Mosquitto hashes passwords its own way (PBKDF2-SHA512), which cannot be derived from the',
        "inventory's scrypt hashes: the plain secrets are needed once, here. Accounts without one are",
        'left out. Then append OUT/mosquitto.conf to the Mosquitto configuration, after the listener.',
        '',
        'Example:',
        '  loa broker export-mosquitto --inventory inventory --secrets secrets.json \\',
        '    --service-accounts service-accounts.yaml --out /etc/mosquitto/loa',
      ].join('\n'),
    )
    .action(async (o: ExportMosquittoOptions) => {
      await runExportMosquitto(o);
    });
}
