import { InventoryError } from '../protocol/index.js';
import { ConfigError } from './config.js';

/**
 * How every Loa program ends on an error: bad configuration and bad inventory files are the user's to
 * fix, so the message says where and no stack is printed (exit 2); anything else exits 1, with the stack
 * when `LOA_DEBUG` is set.
 */
export function exitOnError(program: string, error: unknown): never {
  if (error instanceof ConfigError || error instanceof InventoryError) {
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${program}: ${message}\n`);
  if (process.env.LOA_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
  process.exit(1);
}
