import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readInfluxdCredentials, type InfluxdCredentials } from '../influx/index.js';

/**
 * `loa up` writes where it runs into the data folder, so that `loa coverage`, `loa report` and scripts
 * find the running system with nothing but `--data` (docs/design.md#commands).
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
  /** Set when `loa up` runs its own influxd: the file (in the data folder) of its generated users. */
  influxCredentials?: string;
  /**
   * The private influxd's admin, read by {@link readRecord} from `influxCredentials` (never written into
   * the record): what `loa coverage`, `loa report` and the simulator log in with (issue #14, point 10).
   */
  influxAuth?: InfluxdCredentials;
}

export const RECORD_FILE = 'loa.json';
/** The private influxd's generated users (0600), beside the record in the data folder. */
export const INFLUX_CREDENTIALS_FILE = 'influxdb-credentials.json';

export async function writeRecord(dataDir: string, record: RunRecord): Promise<void> {
  const file = join(dataDir, RECORD_FILE);
  const { influxAuth: _kept, ...written } = record;
  await writeFile(`${file}.tmp`, `${JSON.stringify(written, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export async function readRecord(dataDir: string): Promise<RunRecord> {
  const file = join(dataDir, RECORD_FILE);
  let record: RunRecord;
  try {
    record = JSON.parse(await readFile(file, 'utf8')) as RunRecord;
  } catch {
    throw new Error(`no running Loa recorded in ${file}: start one with \`loa up --data ${dataDir}\``);
  }
  // A record of `loa up --influx-url` names no file: that server's users are the operator's own.
  if (record.influxCredentials === undefined) return record;
  const credentials = await readInfluxdCredentials(join(dataDir, record.influxCredentials));
  return credentials === undefined ? record : { ...record, influxAuth: credentials.admin };
}
