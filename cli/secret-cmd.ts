import type { Command } from 'commander';
import { hashSecret } from '../protocol/index.js';
import { registerSecretNew } from './secret-new-register.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('device secrets');
  secret
    .command('hash')
    .description('read a secret on stdin, print its salted scrypt hash to paste into the inventory')
    .addHelpText('after', '\nExample:\n  printf %s "$SECRET" | loa secret hash')
    .action(async () => {
      // One trailing newline is what `echo` adds, not part of the secret.
      const text = (await readStdin()).replace(/\r?\n$/, '');
      if (text.length === 0)
        throw new Error('no secret on stdin: pipe it in, e.g. printf %s "$SECRET" | loa secret hash');
      process.stdout.write(`${await hashSecret(text)}\n`);
    });
  registerSecretNew(secret);
}
