import { join } from 'node:path';
import { takePidLock } from '../runtime/index.js';

/** Another live process has the log open: two writers would truncate each other's records. */
export class WalLockedError extends Error {
  override readonly name = 'WalLockedError';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`write-ahead log ${dir} is in use by process ${pid}: is another Loa running on this data folder?`);
  }
}

/**
 * Takes the log folder for this process (a `LOCK` file holding the pid, created exclusively). A lock
 * left by a process that no longer runs (SIGKILL, power cut) is taken over. Returns the release.
 */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const lock = await takePidLock(join(dir, 'LOCK'));
  if ('heldBy' in lock) throw new WalLockedError(dir, lock.heldBy);
  return lock.release;
}
