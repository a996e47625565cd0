import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Inventory, hashSecret, inventoryFileSchema, verifySecret } from '../protocol/index.js';
import { CredentialChecker } from './auth.js';

// Issue #14, point 3: after a restart each first login cost one scrypt (10,000 devices: ~200 s). The
// verified credentials now outlive the process, in a 0600 file of the data folder.
const CHEAP = { N: 1024, r: 8, p: 1 };
const DEVICE = 'vinh-an-c01';
const pw = (s: string) => Buffer.from(s, 'utf8');

function inventoryWith(hash: string): Inventory {
  const content = inventoryFileSchema.parse({
    province: { id: 'an-giang', name: 'An Giang' },
    communes: [
      {
        id: 'vinh-an',
        name: 'Xã Vĩnh An',
        hamlets: [{ id: 'an-hoa', name: 'Ấp An Hòa' }],
        devices: [{ id: DEVICE, kind: 'cluster', hamlets: ['an-hoa'], link: '4g', secret: hash }],
      },
    ],
  });
  return Inventory.fromFiles([{ file: 'an-giang.yaml', content }]);
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-credentials-'));
  file = join(dir, 'data', 'verified-credentials');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A checker as a freshly started broker has it, counting its scrypt runs. */
async function started(inventory: Inventory) {
  let slow = 0;
  const checker = new CredentialChecker({
    inventory: () => inventory,
    verify: (secret, hash) => {
      slow++;
      return verifySecret(secret, hash);
    },
  });
  await checker.open(file);
  return { checker, slow: () => slow };
}

describe('verified credentials kept across a restart', () => {
  it('accepts a device after a restart without scrypt, and only with its secret', async () => {
    const inventory = inventoryWith(await hashSecret('c01-secret', CHEAP));
    const before = await started(inventory);
    expect((await before.checker.check(DEVICE, DEVICE, pw('c01-secret'))).ok).toBe(true);
    expect(before.slow()).toBe(1);

    const after = await started(inventory);
    expect((await after.checker.check(DEVICE, DEVICE, pw('c01-secret'))).ok).toBe(true);
    expect(after.slow()).toBe(0);
    expect(await after.checker.check(DEVICE, DEVICE, pw('c01-guess'))).toMatchObject({
      reason: 'bad_secret',
    });
    expect(after.slow()).toBe(1);
  });

  it('forgets an entry when the stored hash changes (a new secret)', async () => {
    const before = await started(inventoryWith(await hashSecret('c01-secret', CHEAP)));
    await before.checker.check(DEVICE, DEVICE, pw('c01-secret'));
    const rotated = await started(inventoryWith(await hashSecret('c01-new', CHEAP)));
    expect(await rotated.checker.check(DEVICE, DEVICE, pw('c01-secret'))).toMatchObject({
      reason: 'bad_secret',
    });
    expect((await rotated.checker.check(DEVICE, DEVICE, pw('c01-new'))).ok).toBe(true);
    expect(rotated.slow()).toBe(2);
  });

  it('is 0600 and holds neither the secret nor a plain hash of it', async () => {
    const before = await started(inventoryWith(await hashSecret('c01-secret', CHEAP)));
    await before.checker.check(DEVICE, DEVICE, pw('c01-secret'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    for (const algorithm of ['sha256', 'sha1', 'md5']) {
      const plain = createHash(algorithm).update('c01-secret').digest();
      expect(text).not.toContain(plain.toString('base64url'));
      expect(text).not.toContain(plain.toString('hex'));
    }
    expect(text).not.toContain('c01-secret');
  });

  it('starts afresh from a damaged file', async () => {
    const inventory = inventoryWith(await hashSecret('c01-secret', CHEAP));
    await (await started(inventory)).checker.check(DEVICE, DEVICE, pw('c01-secret'));
    await writeFile(file, 'not json\n{"k":1}\n');
    const after = await started(inventory);
    expect((await after.checker.check(DEVICE, DEVICE, pw('c01-secret'))).ok).toBe(true);
    expect(after.slow()).toBe(1);
  });
});
