// `loa secret new` as operators run it (issue #14, point 3): a child process from the sources. Its
// hash goes into an inventory that a real broker (aedes on port 0) then checks the secret against.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { createBroker, type Broker } from '../broker/index.js';
import { loadInventory, verifySecret } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import { spawnLoa } from './cli-process.js';

let dir: string | undefined;
let broker: Broker | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function loa(args: string[]): Promise<string> {
  const run = spawnLoa(args);
  expect(await run.exit()).toBe(0);
  return run.output();
}

it('prints a machine secret once with the line to paste, and --json for scripts', async () => {
  const [human, json] = await Promise.all([loa(['secret', 'new']), loa(['secret', 'new', '--json'])]);
  const secret = /^ {2}(loa_[A-Za-z0-9_-]{22})$/m.exec(human)?.[1] ?? '';
  const line = /^ {2}(secret: "(hmac-sha256\$[^"]+)")$/m.exec(human);
  expect(line).not.toBeNull();
  expect(await verifySecret(secret, line?.[2] ?? '')).toBe(true);

  const parsed = JSON.parse(json) as { secret: string; secretHash: string };
  expect(Object.keys(parsed).sort()).toEqual(['secret', 'secretHash']);
  expect(parsed.secret).toMatch(/^loa_[A-Za-z0-9_-]{22}$/);
  expect(parsed.secret).not.toBe(secret);
  expect(await verifySecret(parsed.secret, parsed.secretHash)).toBe(true);
  expect(await verifySecret(secret, parsed.secretHash)).toBe(false);

  // The printed line pasted as is into a device of an inventory: the broker logs the device in with it.
  dir = await mkdtemp(join(tmpdir(), 'loa-secret-new-'));
  await writeFile(
    join(dir, 'an-giang.yaml'),
    [
      'province: { id: an-giang, name: "An Giang" }',
      'communes:',
      '  - id: vinh-an',
      '    name: "Xã Vĩnh An"',
      '    hamlets: [{ id: an-hoa, name: "Ấp An Hòa" }]',
      '    devices:',
      '      - id: vinh-an-c01',
      '        kind: cluster',
      '        hamlets: [an-hoa]',
      '        link: 4g',
      `        ${line?.[1] ?? ''}`,
      '',
    ].join('\n'),
  );
  broker = createBroker({ inventory: await loadInventory(dir), port: 0, logger: silentLogger() });
  const { url } = await broker.start();
  const options = { clientId: 'vinh-an-c01', username: 'vinh-an-c01', reconnectPeriod: 0 };
  const client = await mqtt.connectAsync(url, { ...options, password: secret });
  await client.endAsync();
  await expect(mqtt.connectAsync(url, { ...options, password: parsed.secret })).rejects.toThrow(
    /Bad username or password/,
  );
  expect(broker.metrics()).toMatchObject({ slowChecks: 0, authFailures: { bad_secret: 1 } });
});
