import type { Command } from 'commander';
import { newMachineSecret } from '../protocol/index.js';

/** What `loa secret new` prints: for a person (Vietnamese first), or one JSON object for scripts. */
export function secretNewOutput(generated: { secret: string; hash: string }, json: boolean): string {
  if (json) return `${JSON.stringify({ secret: generated.secret, secretHash: generated.hash })}\n`;
  return [
    'Mật khẩu mới / new secret (chỉ in một lần, không lưu ở đâu / printed once, kept nowhere):',
    `  ${generated.secret}`,
    'Dán vào thiết bị trong danh mục / paste into the device in the inventory:',
    `  secret: "${generated.hash}"`,
    '',
  ].join('\n');
}

/**
 * `loa secret new`: a random 128-bit secret for a device (or a service account) and its fast stored hash
 * (protocol/secret.ts: `hmac-sha256$salt$digest`, checked with one HMAC at each login).
 */
export function registerSecretNew(secret: Command): void {
  secret
    .command('new')
    .description(
      'make a random 128-bit secret and print it once, with the hash line to paste into the inventory ' +
        '(fast to check at each login; a secret a person chooses keeps `loa secret hash`)',
    )
    .option('--json', 'print {"secret", "secretHash"} on one line, for scripts')
    .addHelpText('after', '\nExamples:\n  loa secret new\n  loa secret new --json | jq -r .secretHash')
    .action((options: { json?: boolean }) => {
      process.stdout.write(secretNewOutput(newMachineSecret(), options.json === true));
    });
}
