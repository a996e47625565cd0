import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  checkSecretHash,
  hashMachineSecret,
  hashSecret,
  isMachineSecret,
  newMachineSecret,
  verifyMachineSecret,
  verifySecret,
} from './secret.js';

// The real functions, watched: the machine-secret check must compare digests with timingSafeEqual.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof crypto>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

/** Cheap enough for unit tests; production uses the default (N = 16384). */
const CHEAP = { N: 1024, r: 8, p: 1 };

describe('hashSecret / verifySecret', () => {
  it('round-trips, and refuses a wrong secret', async () => {
    const hash = await hashSecret('correct horse', CHEAP);
    expect(await verifySecret('correct horse', hash)).toBe(true);
    expect(await verifySecret('correct hors', hash)).toBe(false);
    expect(await verifySecret('Correct horse', hash)).toBe(false);
    expect(await verifySecret('correct horse ', hash)).toBe(false);
    expect(await verifySecret('', hash)).toBe(false);
  });

  it('writes scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key, both base64url', async () => {
    const hash = await hashSecret('s3cret', CHEAP);
    const parts = hash.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '1024', '8', '1']);
    expect(parts[4]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(parts[4] ?? '', 'base64url')).toHaveLength(16);
    expect(Buffer.from(parts[5] ?? '', 'base64url')).toHaveLength(32);
    expect(checkSecretHash(hash)).toBeUndefined();
  });

  it('salts: the same secret hashes differently each time, and both verify', async () => {
    const [a, b] = await Promise.all([hashSecret('s3cret', CHEAP), hashSecret('s3cret', CHEAP)]);
    expect(a).not.toBe(b);
    expect(await verifySecret('s3cret', a)).toBe(true);
    expect(await verifySecret('s3cret', b)).toBe(true);
  });

  it('carries the cost parameters in the hash, so old and new costs verify side by side', async () => {
    const costs = [CHEAP, { N: 2048, r: 4, p: 2 }, { N: 512, r: 1, p: 1 }];
    for (const cost of costs) {
      const hash = await hashSecret('s3cret', cost);
      expect(hash.split('$').slice(1, 4).map(Number)).toEqual([cost.N, cost.r, cost.p]);
      expect(await verifySecret('s3cret', hash)).toBe(true);
    }
  });

  it('verifies only under the cost it was made with', async () => {
    const hash = await hashSecret('s3cret', CHEAP);
    const parts = hash.split('$');
    const other = ['scrypt', '2048', ...parts.slice(2)].join('$');
    expect(checkSecretHash(other)).toBeUndefined();
    expect(await verifySecret('s3cret', other)).toBe(false);
  });

  it('uses a slow default cost', async () => {
    const hash = await hashSecret('s3cret');
    expect(hash.split('$').slice(1, 4)).toEqual(['16384', '8', '1']);
    expect(await verifySecret('s3cret', hash)).toBe(true);
  });

  it('handles non-ASCII secrets', async () => {
    const hash = await hashSecret('mật-khẩu-Đông-Hòa', CHEAP);
    expect(await verifySecret('mật-khẩu-Đông-Hòa', hash)).toBe(true);
    expect(await verifySecret('mat-khau-Dong-Hoa', hash)).toBe(false);
  });

  it('refuses an empty secret', async () => {
    await expect(hashSecret('', CHEAP)).rejects.toThrow(/must not be empty/);
  });
});

describe('malformed hash strings', () => {
  const salt = Buffer.alloc(16, 7).toString('base64url');
  const key = Buffer.alloc(32, 9).toString('base64url');
  const make = (N: string, r = '8', p = '1', s = salt, k = key) => ['scrypt', N, r, p, s, k].join('$');

  it('accepts a well-formed string (sanity check of the helper)', () => {
    expect(checkSecretHash(make('1024'))).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['a plain secret', 'hunter2'],
    ['a bcrypt hash', '$2b$10$abcdefghijklmnopqrstuuJ0y6VW7Z3x3j1Yk0r1b9n0eYf4p1ZbS'],
    ['another scheme', make('1024').replace(/^scrypt/, 'argon2')],
    ['too few parts', make('1024').split('$').slice(0, 5).join('$')],
    ['too many parts', `${make('1024')}$x`],
    ['N not a power of two', make('1000')],
    ['N = 1', make('1')],
    ['N = 0', make('0')],
    ['N negative', make('-1024')],
    ['N not a number', make('abc')],
    ['N in hexadecimal', make('0x400')],
    ['N with a space', make(' 1024')],
    ['N in exponent form', make('1e3')],
    ['N = 2^32 (past 32-bit arithmetic)', make(String(2 ** 32))],
    ['N = 3·2^32', make(String(3 * 2 ** 32))],
    ['N too large for r = 1 (RFC 7914)', make('65536', '1')],
    ['a memory cost over 1 GiB', make(String(2 ** 21), '8')],
    ['r = 0', make('1024', '0')],
    ['r fractional', make('1024', '1.5')],
    ['r empty', make('1024', '')],
    ['p = 0', make('1024', '8', '0')],
    ['p over 16', make('1024', '8', '17')],
    ['a salt shorter than 8 bytes', make('1024', '8', '1', Buffer.alloc(7).toString('base64url'))],
    ['no salt', make('1024', '8', '1', '')],
    ['a key of 31 bytes', make('1024', '8', '1', salt, Buffer.alloc(31).toString('base64url'))],
    ['a key of 33 bytes', make('1024', '8', '1', salt, Buffer.alloc(33).toString('base64url'))],
  ])('refuses %s, and verifySecret says false without throwing', async (_what, hash) => {
    expect(checkSecretHash(hash)).toMatch(/not a hash from `loa secret hash`/);
    await expect(verifySecret('hunter2', hash)).resolves.toBe(false);
  });

  it('accepts the edges of the cost bounds', () => {
    expect(checkSecretHash(make('32768', '1'))).toBeUndefined();
    expect(checkSecretHash(make('2', '1'))).toBeUndefined();
    expect(checkSecretHash(make(String(2 ** 16), '8'))).toBeUndefined();
    expect(checkSecretHash(make('1024', '8', '16'))).toBeUndefined();
  });

  // Issue #14: a hash whose check takes seconds would let each login or guess hold a thread for seconds.
  it('refuses a cost over 4× the default work (N·r·p)', () => {
    expect(checkSecretHash(make(String(2 ** 20), '8'))).toMatch(/scrypt cost too high/);
    expect(checkSecretHash(make(String(2 ** 14), '8', '5'))).toMatch(/N·r·p = 655360, at most 524288/);
  });
});

// Issue #14, point 3: machine-generated secrets (128 random bits) stored as a fast keyed hash.
describe('machine-generated secrets (loa secret new)', () => {
  it('round-trips: a new secret of the machine form, its hmac-sha256 hash, verified', async () => {
    const { secret, hash } = newMachineSecret();
    expect(secret).toMatch(/^loa_[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(16);
    const [prefix, salt = '', digest = ''] = hash.split('$');
    expect(prefix).toBe('hmac-sha256');
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(digest, 'base64url')).toHaveLength(32);
    expect(checkSecretHash(hash)).toBeUndefined();
    expect(verifyMachineSecret(secret, hash)).toBe(true);
    await expect(verifySecret(secret, hash)).resolves.toBe(true);
  });

  it('refuses a wrong secret, another salt, and a secret one character off', async () => {
    const { secret, hash } = newMachineSecret();
    const other = newMachineSecret();
    expect(verifyMachineSecret(other.secret, hash)).toBe(false);
    expect(verifyMachineSecret(secret, other.hash)).toBe(false);
    const last = secret.endsWith('A') ? 'B' : 'A';
    expect(verifyMachineSecret(`${secret.slice(0, -1)}${last}`, hash)).toBe(false);
    await expect(verifySecret('', hash)).resolves.toBe(false);
    // Salted: the same secret hashes differently each time, and both verify.
    const again = hashMachineSecret(secret);
    expect(again).not.toBe(hash);
    expect(verifyMachineSecret(secret, again)).toBe(true);
  });

  it('compares the digests with timingSafeEqual', () => {
    const { secret, hash } = newMachineSecret();
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    expect(verifyMachineSecret(`${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`, hash)).toBe(
      false,
    );
    expect(compare).toHaveBeenCalledTimes(1);
    const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
    expect([a.length, b.length]).toEqual([32, 32]);
  });

  it('is only for secrets of the machine form: a chosen one is refused, and never verifies', async () => {
    expect(isMachineSecret('correct horse battery staple')).toBe(false);
    expect(() => hashMachineSecret('correct horse battery staple')).toThrow(/loa secret hash/);
    expect(() => hashMachineSecret('loa_short')).toThrow(/loa secret new/);
    // A fast hash made by hand for a weak password logs nothing in.
    const salt = Buffer.alloc(16, 7);
    const digest = crypto.createHmac('sha256', salt).update('hunter2').digest();
    const handMade = `hmac-sha256$${salt.toString('base64url')}$${digest.toString('base64url')}`;
    expect(checkSecretHash(handMade)).toBeUndefined();
    expect(verifyMachineSecret('hunter2', handMade)).toBe(false);
    await expect(verifySecret('hunter2', handMade)).resolves.toBe(false);
  });

  const salt = Buffer.alloc(16, 1).toString('base64url');
  const digest = Buffer.alloc(32, 2).toString('base64url');
  it.each([
    ['no digest', `hmac-sha256$${salt}`],
    ['an extra field', `hmac-sha256$${salt}$${digest}$x`],
    ['a salt of 15 bytes', `hmac-sha256$${Buffer.alloc(15).toString('base64url')}$${digest}`],
    ['a digest of 31 bytes', `hmac-sha256$${salt}$${Buffer.alloc(31).toString('base64url')}`],
    ['standard base64 padding', `hmac-sha256$${salt}==$${digest}`],
    ['a character outside base64url', `hmac-sha256$${salt}$${digest.slice(0, -1)}+`],
  ])('refuses a fast hash with %s, and verifies nothing against it', async (_what, hash) => {
    expect(checkSecretHash(hash)).toMatch(/not a hash from `loa secret new`/);
    await expect(verifySecret(newMachineSecret().secret, hash)).resolves.toBe(false);
  });
});
