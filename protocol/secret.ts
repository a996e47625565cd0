import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Device secrets are stored only as salted slow hashes (docs/inventory.md): `scrypt$N$r$p$salt$hash`, base64url.
 * The cost parameters travel inside the string, so they can be raised later without breaking old hashes.
 */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}
const DEFAULT_COST: ScryptCost = { N: 1 << 14, r: 8, p: 1 };
const KEY_BYTES = 32;
const PREFIX = 'scrypt';
/** Beyond these (128·N·r bytes of memory, p rounds) a verification would fail or stall the broker. */
const MAX_SCRYPT_MEMORY = 2 ** 30;
const MAX_SCRYPT_P = 16;

/** What scrypt allocates: V is 128·r·(N + 2) bytes and B 128·r·p (as OpenSSL counts it against maxmem). */
function scryptMemory({ N, r, p }: ScryptCost): number {
  return 128 * r * (N + 2 + p);
}

function derive(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: scryptMemory(cost) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export async function hashSecret(secret: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  if (secret.length === 0) throw new Error('a secret must not be empty');
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return [PREFIX, cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * The most work (N·r·p) one verification may cost: 4× the default, ~0.3 s of one core here. Beyond it a
 * hash would let each login (or each guess) hold a thread-pool slot for seconds (issue #14).
 */
export const MAX_SCRYPT_WORK = 4 * DEFAULT_COST.N * DEFAULT_COST.r * DEFAULT_COST.p;

/** Why a stored hash string is unusable, or undefined when it is well formed. */
export function checkSecretHash(hash: string): string | undefined {
  const parsed = parseHash(hash);
  if (!parsed) return 'not a hash from `loa secret hash` (scrypt$N$r$p$salt$hash)';
  const { N, r, p } = parsed.cost;
  if (N * r * p > MAX_SCRYPT_WORK) {
    return (
      `an scrypt cost too high to check at each login: N·r·p = ${N * r * p}, at most ${MAX_SCRYPT_WORK} ` +
      '(hash it again with `loa secret hash`)'
    );
  }
  return undefined;
}

export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed || checkSecretHash(hash) !== undefined) return false;
  const key = await derive(secret, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

function parseHash(hash: string) {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  // Decimal digits only: Number() would also take "0x400", " 1024" or "1e3".
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^[1-9]\d{0,9}$/.test(s) ? Number(s) : NaN)) as [
    number,
    number,
    number,
  ];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  // Bounded first because `&` works on 32 bits; N < 2^(16·r) is RFC 7914 §2. A hash accepted here must
  // never make verifySecret throw, nor take the broker minutes (p multiplies the time).
  const bounded = N > 1 && r >= 1 && p >= 1 && p <= MAX_SCRYPT_P && 128 * N * r <= MAX_SCRYPT_MEMORY;
  if (!bounded || (N & (N - 1)) !== 0 || Math.log2(N) >= 16 * r) return undefined;
  if (salt.length < 8 || key.length !== KEY_BYTES) return undefined;
  return { cost: { N, r, p }, salt, key };
}
