import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * Secrets the broker has verified with scrypt, remembered as a keyed digest so that a reconnect costs one
 * HMAC instead of ~75 ms of scrypt (issue #14, point 3). In memory only by default; with a file, kept
 * across restarts, so that a restarted broker accepts its whole fleet at network speed instead of paying
 * one scrypt per device (10,000 devices: ~200 s, the province looking dark meanwhile).
 *
 * An entry is keyed by account (`d:{device}` or `s:{username}`) and holds the stored hash it was
 * verified against: a changed hash (a new secret in the inventory) invalidates it. The digest is
 * HMAC-SHA256 under a random key kept in the same file's first line, never the secret nor a plain hash
 * of it. The file is created 0600 (like Mosquitto's password file, whose PBKDF2 default is cheap too):
 * who can read it can try guesses at HMAC speed, which is why it lives in the data folder, with the
 * write-ahead log that already holds every payload, and nowhere else.
 *
 * Format: JSON lines; the first `{"key": base64url}`, then `{"k": account, "h": stored hash, "d":
 * digest}`; a later line for an account wins. Rewritten compactly at each start.
 */
export interface CredentialEntry {
  hash: string;
  digest: Buffer;
}

const keyLine = z.strictObject({ key: z.string().min(43) });
const entryLine = z.strictObject({ k: z.string().min(1), h: z.string().min(1), d: z.string().min(43) });

export class CredentialStore {
  private readonly entries = new Map<string, CredentialEntry>();
  private key: Buffer = randomBytes(32);
  private file: string | undefined;

  /** Reads the file (creating it, 0600, when missing) and rewrites it without superseded lines. */
  async open(file: string): Promise<void> {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const [first, ...rest] = text.split('\n').filter((line) => line.length > 0);
    const key = first === undefined ? undefined : keyLine.safeParse(parseJson(first));
    // A missing or unreadable key line: start afresh (the cache only saves time, never decides).
    if (key?.success === true) {
      this.key = Buffer.from(key.data.key, 'base64url');
      for (const line of rest) {
        const entry = entryLine.safeParse(parseJson(line));
        if (entry.success) {
          const { k, h, d } = entry.data;
          this.entries.set(k, { hash: h, digest: Buffer.from(d, 'base64url') });
        }
      }
    }
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const lines = [JSON.stringify({ key: this.key.toString('base64url') })];
    for (const [k, entry] of this.entries) lines.push(line(k, entry));
    const temporary = `${file}.tmp`;
    await writeFile(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    await rename(temporary, file);
    this.file = file;
  }

  /** The keyed digest of a presented secret. */
  digest(secret: Buffer): Buffer {
    return createHmac('sha256', this.key).update(secret).digest();
  }

  /** Whether `digest` was verified for `account` against this same stored `hash`. */
  matches(account: string, hash: string, digest: Buffer): boolean {
    const entry = this.entries.get(account);
    return entry?.hash === hash && timingSafeEqual(entry.digest, digest);
  }

  /** Remembers a verification; appended to the file at once (a crash right after loses nothing). */
  remember(account: string, hash: string, digest: Buffer): void {
    const entry = { hash, digest };
    this.entries.set(account, entry);
    if (this.file === undefined) return;
    try {
      appendFileSync(this.file, `${line(account, entry)}\n`, { mode: 0o600 });
    } catch {
      // A full disk must not refuse an honest login: the entry is still kept in memory.
      this.writeErrors++;
    }
  }

  /** Entries that could not be appended to the file. */
  writeErrors = 0;

  get size(): number {
    return this.entries.size;
  }
}

function line(account: string, { hash, digest }: CredentialEntry): string {
  return JSON.stringify({ k: account, h: hash, d: digest.toString('base64url') });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
