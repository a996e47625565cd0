import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the presence session counter lives between connects and reboots (docs/protocol.md: +1 on every
 * connect, kept across reboots). The ingest orders births and deaths by it (Sparkplug's bdSeq rule), so
 * a device that forgot its counter would have its births taken for stale ones.
 */
export interface SessionStore {
  /** The session of the newest connect, or undefined when the device never connected. */
  load(): Promise<number | undefined>;
  /** Records the session of a connect about to happen; resolves once it is durable. */
  save(session: number): Promise<void>;
}

/** Keeps the counter in memory: for tests and for the simulator, which keeps one per virtual device. */
export function createMemorySessionStore(initial?: number): SessionStore {
  let value = initial;
  return {
    load: () => Promise.resolve(value),
    save: (session) => {
      value = session;
      return Promise.resolve();
    },
  };
}

export const SESSION_FILE = 'session';

/** A counter file that cannot be read as a session number. */
export class SessionFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'SessionFileError';
  }
}

/**
 * Keeps the counter in `dataDir/session` as a decimal number. Writes go to a temporary file that is
 * synced and then renamed over the old one, so a power cut leaves either the old or the new value,
 * never a torn file.
 */
export function createFileSessionStore(dataDir: string): SessionStore {
  const file = join(dataDir, SESSION_FILE);
  const temporary = `${file}.tmp`;
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const trimmed = text.trim();
      if (!/^\d{1,15}$/.test(trimmed)) {
        throw new SessionFileError(file, `expected a session number, found ${JSON.stringify(trimmed)}`);
      }
      return Number(trimmed);
    },
    async save(session) {
      await mkdir(dataDir, { recursive: true });
      const handle = await open(temporary, 'w', 0o644);
      try {
        await handle.writeFile(`${session}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    },
  };
}
