import { readFile, rm, writeFile } from 'node:fs/promises';

/** A live process holds the lock; `pid` says which. */
export interface PidLockHeld {
  readonly heldBy: number;
}

/** The lock is ours; `release()` removes the file. */
export interface PidLockTaken {
  readonly release: () => Promise<void>;
}

/**
 * Takes a lock file holding this process's pid, created exclusively (`wx`). A file left by a process
 * that no longer runs (SIGKILL, power cut) is taken over, as Mosquitto and systemd do with their pid
 * files: only a live owner keeps it. Returns the holder's pid when a live process has it.
 */
export async function takePidLock(file: string): Promise<PidLockTaken | PidLockHeld> {
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return { heldBy: pid };
    await rm(file, { force: true });
  }
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
