// The `loa` command line as operators run it: a child process from the sources, its help, its exit codes
// and messages for bad input, and the split deployment — `loa broker` alone, the simulator and an agent
// connecting to it over MQTT. Every process a test starts, the test stops.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, verifySecret } from '../protocol/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { CHEAP } from './fixtures/province.js';
import { eventually } from './wait.js';

let dir: string;
const running: LoaProcess[] = [];

function loa(args: string[], env: Record<string, string> = {}, input?: string): LoaProcess {
  const p = spawnLoa(args, env, input === undefined ? {} : { input });
  running.push(p);
  return p;
}

/** SIGTERM, and the exit code of a clean stop; SIGKILL (and a failure) if it does not stop in time. */
async function stop(p: LoaProcess, timeoutMs = 15_000): Promise<number | null> {
  p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, timeoutMs);
  });
  const result = await Promise.race([p.exit(), late]);
  clearTimeout(timer);
  if (result === 'late') {
    await p.kill('SIGKILL');
    throw new Error(`did not stop within ${timeoutMs} ms after SIGTERM; output:\n${p.output()}`);
  }
  return result;
}

/** Runs a command to its end: its exit code and everything it printed. */
async function run(args: string[], input?: string): Promise<{ code: number | null; output: string }> {
  const p = loa(args, {}, input);
  const code = await p.exit();
  return { code, output: p.output() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('help', () => {
  it('`loa --help` lists every command', async () => {
    const { code, output } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['up', 'ingest', 'broker', 'agent', 'simulate', 'secret', 'coverage', 'report']) {
      expect(output).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });
  // Every command's --help, and what it says: cli/help.test.ts.
});

it('`loa secret hash` prints a hash that verifies the secret on stdin', async () => {
  const { code, output } = await run(['secret', 'hash'], 'secret');
  expect(code).toBe(0);
  const hash = output.trim();
  expect(hash).toMatch(/^scrypt\$/);
  expect(await verifySecret('secret', hash)).toBe(true);
  expect(await verifySecret('secrets', hash)).toBe(false);
});

it('a bad configuration file exits 2, naming the file and the field', async () => {
  const file = join(dir, 'bad-up.yaml');
  await writeFile(file, 'mqtt: { port: "x" }\n');
  const { code, output } = await run(['up', '--config', file, '--data', join(dir, 'up-data')]);
  expect(code).toBe(2);
  expect(output).toContain(`${file}: mqtt.port:`);
});

it('`loa coverage --data X bulletin ID` reads the record of X, wherever --data is given', async () => {
  const data = join(dir, 'no-loa-here');
  for (const args of [
    ['coverage', '--data', data, 'bulletin', 'b1'],
    ['coverage', 'bulletin', 'b1', '--data', data],
  ]) {
    const { code, output } = await run(args);
    expect(code).not.toBe(0);
    expect(output).toContain(`no running Loa recorded in ${join(data, 'loa.json')}`);
  }
});

it('a broken inventory exits 2, naming the file and the line', async () => {
  const inventory = join(dir, 'broken-inventory');
  await mkdir(inventory);
  const file = join(inventory, 'an-giang.yaml');
  await writeFile(
    file,
    [
      'province: { id: an-giang, name: "An Giang" }',
      'timezone: Asia/Ho_Chi_Minh',
      'communes:',
      '  - id: vinh-an',
      '    name: "Xã Vĩnh An"',
      '    hamlets:',
      '      - { id: an-hoa, name: "Ấp An Hòa" }',
      '    devices:',
      '      - { id: vinh-an-c01, kind: cluster, hamlets: [an-hoa], link: satellite }',
      '',
    ].join('\n'),
  );
  const { code, output } = await run(['broker', '--inventory', inventory, '--port', '0', '--http-port', '0']);
  expect(code).toBe(2);
  expect(output).toContain(`${file}:9:`);
  expect(output).toContain('link');
});

it('a bad service accounts file exits 2, naming the file, the line and the field', async () => {
  const sim = join(dir, 'sim-accounts');
  expect((await run(['simulate', 'generate', '--out', sim, '--communes', '1'])).code).toBe(0);
  const accounts = join(dir, 'bad-accounts.yaml');
  await writeFile(accounts, '- { username: console, secret: plain-text, role: reader }\n');
  const { code, output } = await run([
    'broker',
    '--inventory',
    join(sim, 'inventory'),
    '--service-accounts',
    accounts,
    '--port',
    '0',
  ]);
  expect(code).toBe(2);
  expect(output).toContain(`${accounts}:1: [0].secret:`);
});

describe('`loa broker` with the simulator and an agent over MQTT', () => {
  const sim = () => join(dir, 'sim');
  let broker: LoaProcess | undefined;
  let brokerUrl: string;
  let metricsUrl: string;

  async function connectedClients(): Promise<number> {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^loa_broker_connected_clients (\d+)$/m.exec(text);
    return Number(match?.[1] ?? NaN);
  }

  beforeAll(async () => {
    const generated = await run([
      'simulate',
      'generate',
      '--out',
      sim(),
      '--communes',
      '1',
      '--hamlets',
      '1',
      '--clusters',
      '1',
      '--fm-share',
      '0',
      '--heartbeat',
      '5',
    ]);
    expect(generated.code, generated.output).toBe(0);
    const accounts = join(dir, 'accounts.yaml');
    await writeFile(
      accounts,
      `- { username: console, secret: "${await hashSecret('console-secret', CHEAP)}", role: reader }\n`,
    );
    // Shared by the tests below, so not in `running`: stopped in afterAll.
    broker = spawnLoa([
      'broker',
      '--inventory',
      join(sim(), 'inventory'),
      '--service-accounts',
      accounts,
      '--port',
      '0',
      '--http-port',
      '0',
    ]);
    [, brokerUrl = ''] = await broker.waitFor(/^broker (mqtt:\/\/\S+)$/m);
    [, metricsUrl = ''] = await broker.waitFor(/(http:\/\/\S+\/metrics)/);
  });

  afterAll(async () => {
    if (broker) expect(await stop(broker)).toBe(0);
  });

  it('`loa simulate run` connects its devices, and stops with a summary', async () => {
    const simulation = loa([
      'simulate',
      'run',
      '--broker',
      brokerUrl,
      '--inventory',
      join(sim(), 'inventory'),
      '--heartbeat',
      '1',
    ]);
    await simulation.waitFor(/simulating 2 devices/);
    await eventually(async () => {
      expect(await connectedClients()).toBeGreaterThan(0);
    }, 20_000);
    expect(await stop(simulation)).toBe(0);
    expect(simulation.output()).toMatch(/simulation stopped: [1-9][\d,]* sent, [1-9][\d,]* acknowledged/);
    await eventually(async () => {
      expect(await connectedClients()).toBe(0);
    }, 10_000);
  });

  it('`loa agent` comes online and leaves a retained shutdown state on SIGTERM', async () => {
    const secrets = JSON.parse(await readFile(join(sim(), 'secrets.json'), 'utf8')) as Record<string, string>;
    const device = Object.keys(secrets).find((id) => id.endsWith('-c01')) ?? '';
    const inventoryText = await readFile(join(sim(), 'inventory', 'an-giang.yaml'), 'utf8');
    const commune = /^ {2}- id: (\S+)$/m.exec(inventoryText)?.[1] ?? '';
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        'brokerUrl: mqtt://127.0.0.1:1',
        `deviceId: ${device}`,
        'province: an-giang',
        `commune: ${commune}`,
        'kind: cluster',
        'heartbeatS: 1',
        `dataDir: ${join(dir, 'agent-data')}`,
        '',
      ].join('\n'),
    );
    const agent = loa(['agent', '--config', config, '--broker', brokerUrl], {
      LOA_AGENT_SECRET: secrets[device] ?? '',
    });
    await agent.waitFor(/online \(session \d+\)/);
    const stoppedAt = Date.now();
    expect(await stop(agent)).toBe(0);

    const reader = await mqtt.connectAsync(brokerUrl, {
      clientId: 'console-test',
      username: 'console',
      password: 'console-secret',
      reconnectPeriod: 0,
    });
    try {
      const state = new Promise<Record<string, unknown>>((resolve) => {
        reader.on('message', (_topic, payload) => {
          resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
        });
      });
      await reader.subscribeAsync(`loa/v1/an-giang/${commune}/${device}/state`, { qos: 1 });
      expect(await state).toMatchObject({ online: false, reason: 'shutdown' });
      expect((await state).ts).toBeGreaterThanOrEqual(stoppedAt - 1000);
    } finally {
      await reader.endAsync();
    }
  });
});
