import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Inventory,
  hashSecret,
  inventoryFileSchema,
  newMachineSecret,
  verifySecret,
} from '../protocol/index.js';
import { CredentialChecker, type ServiceAccount } from './auth.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

function buildInventory(secrets: Record<string, string>): Inventory {
  const content = inventoryFileSchema.parse({
    province: { id: 'an-giang', name: 'An Giang' },
    communes: [
      {
        id: 'vinh-an',
        name: 'Xã Vĩnh An',
        hamlets: [{ id: 'an-hoa', name: 'Ấp An Hòa' }],
        devices: [
          { id: 'vinh-an-c01', kind: 'cluster', hamlets: ['an-hoa'], link: '4g', secret: secrets.c01 },
          { id: 'vinh-an-fm02', kind: 'cluster', hamlets: ['an-hoa'], link: 'fm' },
        ],
      },
    ],
  });
  return Inventory.fromFiles([{ file: 'an-giang.yaml', content }]);
}

describe('CredentialChecker', () => {
  let inventory: Inventory;
  let service: ServiceAccount;

  beforeAll(async () => {
    inventory = buildInventory({ c01: await hashSecret('c01-secret', CHEAP) });
    service = {
      username: 'loa-ingest',
      secretHash: await hashSecret('ingest-secret', CHEAP),
      role: 'ingest',
    };
  });

  function checker() {
    let calls = 0;
    const verify = (secret: string, hash: string) => {
      calls++;
      return verifySecret(secret, hash);
    };
    const c = new CredentialChecker({ inventory: () => inventory, serviceAccounts: [service], verify });
    return { c, calls: () => calls };
  }

  const pw = (s: string) => Buffer.from(s, 'utf8');

  it('accepts a device and caches the verification', async () => {
    const { c, calls } = checker();
    const first = await c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'));
    expect(first).toEqual({
      ok: true,
      principal: {
        kind: 'device',
        address: { province: 'an-giang', commune: 'vinh-an', device: 'vinh-an-c01' },
        prefix: 'loa/v1/an-giang/vinh-an/vinh-an-c01/',
      },
    });
    await c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'));
    expect(calls()).toBe(1);
    expect(c.cachedCount).toBe(1);
    // A wrong secret does not match the cached digest and is verified (and refused) the slow way.
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', pw('wrong'))).toMatchObject({
      ok: false,
      reason: 'bad_secret',
      returnCode: 4,
    });
    expect(calls()).toBe(2);
  });

  it('shares one verification between concurrent connects', async () => {
    const { c, calls } = checker();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(calls()).toBe(1);
  });

  it('forgets a cached secret when the inventory hash changes', async () => {
    let current = inventory;
    let calls = 0;
    const c = new CredentialChecker({
      inventory: () => current,
      verify: (s, h) => {
        calls++;
        return verifySecret(s, h);
      },
    });
    expect((await c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'))).ok).toBe(true);
    current = buildInventory({ c01: await hashSecret('rotated', CHEAP) });
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'))).toMatchObject({
      reason: 'bad_secret',
    });
    expect((await c.check('vinh-an-c01', 'vinh-an-c01', pw('rotated'))).ok).toBe(true);
    expect(calls).toBe(3);
  });

  it('refuses with the right reason and CONNACK code', async () => {
    const { c, calls } = checker();
    expect(await c.check('vinh-an-c01', undefined, undefined)).toMatchObject({
      reason: 'missing_credentials',
      returnCode: 4,
    });
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', Buffer.alloc(0))).toMatchObject({
      reason: 'missing_credentials',
    });
    expect(await c.check('other', 'vinh-an-c01', pw('c01-secret'))).toMatchObject({
      reason: 'client_id_mismatch',
      returnCode: 2,
    });
    expect(await c.check('nobody', 'nobody', pw('x'))).toMatchObject({
      reason: 'unknown_user',
      returnCode: 4,
    });
    expect(await c.check('vinh-an-fm02', 'vinh-an-fm02', pw('x'))).toMatchObject({
      reason: 'unmonitored',
      returnCode: 5,
    });
    expect(calls()).toBe(0);
  });

  it('reports a failing verification as an error', async () => {
    const c = new CredentialChecker({
      inventory: () => inventory,
      verify: () => Promise.reject(new Error('boom')),
    });
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'))).toMatchObject({
      reason: 'error',
      returnCode: 3,
    });
  });

  it('accepts service accounts with their own client ids, never a device id', async () => {
    const { c } = checker();
    for (const clientId of ['loa-ingest', 'loa-ingest-1']) {
      expect(await c.check(clientId, 'loa-ingest', pw('ingest-secret'))).toEqual({
        ok: true,
        principal: { kind: 'service', username: 'loa-ingest', role: 'ingest' },
      });
    }
    expect(await c.check('mqttjs_1', 'loa-ingest', pw('ingest-secret'))).toMatchObject({
      reason: 'client_id_mismatch',
    });
    expect(await c.check('loa-ingest', 'loa-ingest', pw('nope'))).toMatchObject({ reason: 'bad_secret' });
  });

  it('refuses a service account configuration that is unusable', () => {
    const make = (accounts: ServiceAccount[]) =>
      new CredentialChecker({ inventory: () => inventory, serviceAccounts: accounts });
    expect(() => make([{ ...service, secretHash: 'plain' }])).toThrow(/secretHash/);
    expect(() => make([service, service])).toThrow(/twice/);
    expect(() => make([{ ...service, username: 'vinh-an-c01' }])).toThrow(/device/);
  });
});

describe('a machine-generated secret (loa secret new)', () => {
  it('is checked with one HMAC: no slow check, no slot, nothing cached; a wrong one is refused', async () => {
    const { secret, hash } = newMachineSecret();
    let slow = 0;
    let slots = 0;
    const c = new CredentialChecker({
      inventory: () => buildInventory({ c01: hash }),
      verify: (s, h) => {
        slow++;
        return verifySecret(s, h);
      },
    });
    const slot = () => {
      slots++;
      return Promise.resolve(() => undefined);
    };
    const pw = (s: string) => Buffer.from(s, 'utf8');
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', pw(secret), slot)).toMatchObject({ ok: true });
    const other = newMachineSecret().secret;
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', pw(other), slot)).toMatchObject({
      reason: 'bad_secret',
      returnCode: 4,
    });
    expect(await c.check('vinh-an-c01', 'vinh-an-c01', pw('c01-secret'), slot)).toMatchObject({
      reason: 'bad_secret',
    });
    expect({ slow, slots, cached: c.cachedCount }).toEqual({ slow: 0, slots: 0, cached: 0 });
  });
});

// Issue #14, point 3: after a restart each first login cost one scrypt (10,000 devices: ~200 s). The
// verified credentials now outlive the process, in a 0600 file of the data folder.
const DEVICE = 'vinh-an-c01';
const pwd = (s: string) => Buffer.from(s, 'utf8');

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
    const inventory = buildInventory({ c01: await hashSecret('c01-secret', CHEAP) });
    const before = await started(inventory);
    expect((await before.checker.check(DEVICE, DEVICE, pwd('c01-secret'))).ok).toBe(true);
    expect(before.slow()).toBe(1);

    const after = await started(inventory);
    expect((await after.checker.check(DEVICE, DEVICE, pwd('c01-secret'))).ok).toBe(true);
    expect(after.slow()).toBe(0);
    expect(await after.checker.check(DEVICE, DEVICE, pwd('c01-guess'))).toMatchObject({
      reason: 'bad_secret',
    });
    expect(after.slow()).toBe(1);
  });

  it('forgets an entry when the stored hash changes (a new secret)', async () => {
    const before = await started(buildInventory({ c01: await hashSecret('c01-secret', CHEAP) }));
    await before.checker.check(DEVICE, DEVICE, pwd('c01-secret'));
    const rotated = await started(buildInventory({ c01: await hashSecret('c01-new', CHEAP) }));
    expect(await rotated.checker.check(DEVICE, DEVICE, pwd('c01-secret'))).toMatchObject({
      reason: 'bad_secret',
    });
    expect((await rotated.checker.check(DEVICE, DEVICE, pwd('c01-new'))).ok).toBe(true);
    expect(rotated.slow()).toBe(2);
  });

  it('is 0600 and holds neither the secret nor a plain hash of it', async () => {
    const before = await started(buildInventory({ c01: await hashSecret('c01-secret', CHEAP) }));
    await before.checker.check(DEVICE, DEVICE, pwd('c01-secret'));
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
    const inventory = buildInventory({ c01: await hashSecret('c01-secret', CHEAP) });
    await (await started(inventory)).checker.check(DEVICE, DEVICE, pwd('c01-secret'));
    await writeFile(file, 'not json\n{"k":1}\n');
    const after = await started(inventory);
    expect((await after.checker.check(DEVICE, DEVICE, pwd('c01-secret'))).ok).toBe(true);
    expect(after.slow()).toBe(1);
  });
});
