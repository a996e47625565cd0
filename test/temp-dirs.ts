import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The temporary folders of one test file: `make()` gives a new one under the system's temporary folder;
 * `removeAll()` (in afterEach or afterAll) removes every one made so far.
 */
export function tempDirs(prefix: string): { make: () => Promise<string>; removeAll: () => Promise<void> } {
  const dirs: string[] = [];
  return {
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    removeAll: async () => {
      await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}
