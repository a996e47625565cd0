import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Device secrets are stored only as salted slow hashes (DESIGN §4): `scrypt$N$r$p$salt$hash`, base64url.
 * The cost parameters travel inside the string, so they can be raised later without breaking old hashes.
 */
const DEFAULT_COST = { N: 1 << 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const PREFIX = 'scrypt';

function derive(secret: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export async function hashSecret(secret: string, cost = DEFAULT_COST): Promise<string> {
  if (secret.length === 0) throw new Error('a secret must not be empty');
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return [PREFIX, cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Why a stored hash string is unusable, or undefined when it is well formed. */
export function checkSecretHash(hash: string): string | undefined {
  return parseHash(hash) ? undefined : 'not a hash from `loa secret hash` (scrypt$N$r$p$salt$hash)';
}

export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await derive(secret, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

function parseHash(hash: string) {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const key = Buffer.from(parts[5] ?? '', 'base64url');
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1) return undefined;
  if (salt.length < 8 || key.length !== KEY_BYTES) return undefined;
  return { cost: { N, r, p }, salt, key };
}
