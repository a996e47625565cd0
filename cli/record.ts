import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `loa up` writes where it runs into the data folder, so that `loa coverage`, `loa report` and scripts
 * find the running system with nothing but `--data` (DESIGN §7).
 */
export interface RunRecord {
  broker: string;
  influx: string;
  database: string;
  http: string;
  pid: number;
  startedAt: string;
  /** The inventory folder, for commands that compare what happened with what exists. */
  inventory?: string;
}

export const RECORD_FILE = 'loa.json';

export async function writeRecord(dataDir: string, record: RunRecord): Promise<void> {
  const file = join(dataDir, RECORD_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

export async function readRecord(dataDir: string): Promise<RunRecord> {
  const file = join(dataDir, RECORD_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as RunRecord;
  } catch {
    throw new Error(`no running Loa recorded in ${file}: start one with \`loa up --data ${dataDir}\``);
  }
}
