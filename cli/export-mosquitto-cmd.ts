import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_BROKER_LIMITS, exportMosquitto, type ServiceAccount } from '../broker/index.js';
import { loadInventory, verifySecret, type Inventory } from '../protocol/index.js';
import { loadServiceAccounts } from './service-accounts.js';
import { ConfigError } from './config.js';
import { readSecretsFile } from './simulate-cmd.js';

export interface ExportMosquittoOptions {
  inventory: string;
  out: string;
  /** Plain secrets: a password file. Without: identity by TLS client certificate, no password file. */
  secrets?: string;
  serviceAccounts?: string;
}

/**
 * `loa broker export-mosquitto` (docs/design.md#commands): writes `passwd`, `acl` and `mosquitto.conf` into OUT.
 * The plain secrets come from a JSON file (`{ "device-or-account": "secret" }`, the shape of the
 * simulator's `secrets.json`); each is checked against the inventory's hash first, so a stale file
 * cannot give Mosquitto a secret the embedded broker would refuse (broker/mosquitto.ts says why
 * plain secrets are needed at all).
 */
export async function runExportMosquitto(options: ExportMosquittoOptions): Promise<void> {
  const inventory = await loadInventory(options.inventory);
  const serviceAccounts =
    options.serviceAccounts === undefined ? [] : await loadServiceAccounts(options.serviceAccounts);
  const secrets =
    options.secrets === undefined
      ? undefined
      : await checkedSecrets(
          inventory,
          serviceAccounts,
          await readSecretsFile(options.secrets),
          options.secrets,
        );
  const out = resolve(options.out);
  const passwdPath = join(out, 'passwd');
  const aclPath = join(out, 'acl');
  const confPath = join(out, 'mosquitto.conf');
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
  if (result.passwd !== undefined) await writeFile(passwdPath, result.passwd, { mode: 0o600 });
  await writeFile(aclPath, result.acl);
  await writeFile(confPath, result.conf);
  process.stdout.write(
    [
      result.passwd === undefined
        ? `wrote ${aclPath} (${result.accounts} accounts) and ${confPath}: accounts log in with a TLS ` +
          'client certificate whose CN is their id (no --secrets, so no password file)'
        : `wrote ${passwdPath} (${result.accounts} accounts), ${aclPath}, ${confPath}`,
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
