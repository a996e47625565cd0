// Authentication of a private influxd (issue #14, point 10): InfluxDB 1.x with `auth-enabled = true`,
// an admin created at the first start, and a read-only user for Grafana. The passwords are generated
// once and kept in a file only the owner can read, as InfluxDB's own docs ask of credentials.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { InfluxQueryError } from './errors.js';
import { createInfluxQl, quoteIdent, quoteString } from './query.js';

export interface InfluxdCredentials {
  username: string;
  password: string;
}

/** What the credentials file holds: the admin (`loa` itself) and a user that can only read. */
export interface PrivateInfluxdCredentials {
  admin: InfluxdCredentials;
  reader: InfluxdCredentials;
}

const credentials = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });
const fileSchema = z.strictObject({ admin: credentials, reader: credentials });

/** Reads the credentials file; undefined when there is none yet. A damaged file is an error naming it. */
export async function readInfluxdCredentials(file: string): Promise<PrivateInfluxdCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the InfluxDB credentials in ${file}: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new Error(`${file}: not InfluxDB credentials (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  }
  return parsed.data;
}

/** The credentials of this data folder: read, or generated (random, 0600) at the first start. */
export async function loadOrCreateInfluxdCredentials(file: string): Promise<PrivateInfluxdCredentials> {
  const existing = await readInfluxdCredentials(file);
  if (existing !== undefined) return existing;
  const created: PrivateInfluxdCredentials = {
    admin: { username: 'loa', password: newPassword() },
    reader: { username: 'loa-reader', password: newPassword() },
  };
  // `wx`: never overwrite credentials a server already took.
  await writeFile(file, `${JSON.stringify(created, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  return created;
}

/**
 * Makes sure the admin exists with this password. InfluxDB 1.x accepts `CREATE USER … WITH ALL
 * PRIVILEGES` without credentials while it has no user, and the same statement from that admin with
 * the same password is a no-op afterwards; any other password is refused with 401.
 */
export async function ensureAdmin(url: string, admin: InfluxdCredentials): Promise<void> {
  const ql = createInfluxQl({ url, ...admin, timeoutMs: 10_000 });
  try {
    await ql.query(
      `CREATE USER ${quoteIdent(admin.username)} WITH PASSWORD ${quoteString(admin.password)} WITH ALL PRIVILEGES`,
    );
  } catch (error) {
    if (error instanceof InfluxQueryError && error.status === 401) {
      throw new Error(
        `InfluxDB at ${url} refuses the admin user "${admin.username}" kept with its data: ` +
          'the credentials file and the database do not belong together',
        { cause: error },
      );
    }
    throw error;
  } finally {
    ql.close();
  }
}

/** Creates (or keeps) the read-only user and lets it read `database` only. */
export async function ensureReader(
  url: string,
  admin: InfluxdCredentials,
  reader: InfluxdCredentials,
  database: string,
): Promise<void> {
  const ql = createInfluxQl({ url, ...admin, timeoutMs: 10_000 });
  try {
    await ql.query(
      `CREATE USER ${quoteIdent(reader.username)} WITH PASSWORD ${quoteString(reader.password)}`,
    );
    await ql.query(`GRANT READ ON ${quoteIdent(database)} TO ${quoteIdent(reader.username)}`);
  } finally {
    ql.close();
  }
}

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
