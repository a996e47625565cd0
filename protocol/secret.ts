import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

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
  if (isMachineSecretHash(hash)) {
    return parseMachineHash(hash)
      ? undefined
      : `not a hash from \`loa secret new\` (${MACHINE_PREFIX}$salt$digest, 16 and 32 bytes base64url)`;
  }
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

/** Whether `secret` is the one hashed in `hash` (either format). Never throws for a bad hash: false. */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  if (isMachineSecretHash(hash)) return verifyMachineSecret(secret, hash);
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

/*
 * Machine-generated secrets (issue #14, point 3): `loa secret new` draws 128 random bits and stores them
 * as `hmac-sha256$salt$digest`, the HMAC-SHA256 of the secret under a random 16-byte salt of its own.
 * A slow hash protects what a person chooses, which can be guessed from a dictionary; 128 random bits
 * cannot be guessed at any speed (2^127 tries on average), so the check can be one HMAC (~2 µs) instead
 * of one scrypt (~50–75 ms on the thread pool), and a restarted broker accepts a fleet at network speed.
 * The salt keeps two accounts' hashes unrelated and leaves no table to precompute. NIST SP 800-63B
 * (§5.1.2.2) draws the same line: random secrets of 112 bits or more are hashed with a one-way function,
 * weaker ones with a slow key derivation. The `loa_` prefix, like GitHub's `ghp_` tokens, makes such a
 * secret recognisable (in a leaked file, in a log) and tells the two kinds apart.
 *
 * The format is only for secrets of the machine form (`loa_` and 22 base64url characters): a secret a
 * person chose is refused by hashMachineSecret, and never verifies against such a hash, so a hand-made
 * fast hash of a weak password cannot log anything in. Those keep `loa secret hash` (scrypt).
 */
const MACHINE_PREFIX = 'hmac-sha256';
const MACHINE_SECRET = /^loa_[A-Za-z0-9_-]{22}$/;
const MACHINE_SALT_BYTES = 16;
const MACHINE_DIGEST_BYTES = 32;

/** Whether `secret` has the form of a machine-generated secret (`loa_` and 128 bits, base64url). */
export function isMachineSecret(secret: string): boolean {
  return MACHINE_SECRET.test(secret);
}

/** Whether a stored hash is of the fast format (well formed or not: checkSecretHash says). */
export function isMachineSecretHash(hash: string): boolean {
  return hash.startsWith(`${MACHINE_PREFIX}$`);
}

/** A new random secret of the machine form, and its stored hash. */
export function newMachineSecret(): { secret: string; hash: string } {
  const secret = `loa_${randomBytes(16).toString('base64url')}`;
  return { secret, hash: hashMachineSecret(secret) };
}

/** The fast stored hash of a machine-generated secret; throws for any other secret. */
export function hashMachineSecret(secret: string): string {
  if (!isMachineSecret(secret)) {
    throw new Error(
      'the fast hash is only for secrets made by `loa secret new` (loa_ and 22 characters); ' +
        'hash a chosen secret with `loa secret hash`',
    );
  }
  const salt = randomBytes(MACHINE_SALT_BYTES);
  return [MACHINE_PREFIX, salt.toString('base64url'), machineDigest(secret, salt).toString('base64url')].join(
    '$',
  );
}

/** Synchronous and constant-time in the digest: one HMAC, then timingSafeEqual. */
export function verifyMachineSecret(secret: string, hash: string): boolean {
  const parsed = parseMachineHash(hash);
  if (!parsed || !isMachineSecret(secret)) return false;
  return timingSafeEqual(machineDigest(secret, parsed.salt), parsed.digest);
}

function machineDigest(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}

function parseMachineHash(hash: string) {
  const parts = hash.split('$');
  if (parts.length !== 3 || parts[0] !== MACHINE_PREFIX) return undefined;
  const [, salt = '', digest = ''] = parts;
  // Canonical base64url only: a decoder skips stray characters, and two spellings of one hash must not pass.
  if (!/^[A-Za-z0-9_-]+$/.test(salt) || !/^[A-Za-z0-9_-]+$/.test(digest)) return undefined;
  const saltBytes = Buffer.from(salt, 'base64url');
  const digestBytes = Buffer.from(digest, 'base64url');
  if (saltBytes.length !== MACHINE_SALT_BYTES || digestBytes.length !== MACHINE_DIGEST_BYTES)
    return undefined;
  if (saltBytes.toString('base64url') !== salt || digestBytes.toString('base64url') !== digest)
    return undefined;
  return { salt: saltBytes, digest: digestBytes };
}
