import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
  const file = join(dir, 'LOCK');
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new WalLockedError(dir, pid);
    await rm(file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; ESRCH: gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
