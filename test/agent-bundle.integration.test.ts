// `loa-agent` as a box runs it: the one file the build makes (scripts/bundle-agent.ts), started through
// its own first line (Node's settings for the box), from a folder with no node_modules anywhere above it,
// so a dependency left out of the file would fail here. Twice: with the Node.js on PATH (20 or 22), and
// with Debian 12's own Node.js 18.20, opened from its packages into a temporary folder (as root only:
// test/debian-node18.ts). Against the real broker, which authenticates it:
// birth and heartbeats, `loa-agent log` (accepted and refused records), the retained `shutdown` state on
// SIGTERM, and a bad configuration refused with the file and field. Memory is the benchmark's
// (bench/agent.ts), not asserted here.
import { spawn } from 'node:child_process';
import { access, chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../broker/index.js';
import { silentLogger } from '../runtime/index.js';
import { bundleAgent } from '../scripts/bundle-agent.js';
import { SECRETS, testInventory, topicOf } from './fixtures/province.js';
import { spawnLoa } from './cli-process.js';
import { debianNode18Unavailable, prepareDebianNode18, type DebianNode18 } from './debian-node18.js';
import { eventually } from './wait.js';

let dir: string;
let bundle: string;
let broker: Broker;
let brokerUrl: string;
const accepted: { topic: string; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-agent-bundle-'));
  bundle = join(dir, 'loa-agent.mjs');
  await bundleAgent(bundle);
  await chmod(bundle, 0o755);
  broker = createBroker({
    inventory: await testInventory(),
    port: 0,
    logger: silentLogger(),
    onAccepted: (topic, payload) => {
      accepted.push({ topic, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
    },
  });
  ({ url: brokerUrl } = await broker.start());
});

afterAll(async () => {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** The Node.js the file runs on: the one on PATH, or Debian 12's 18 (undefined until prepared). */
let node18: DebianNode18 | undefined;

/**
 * Runs the bundle as an executable (its shebang line sets Node's flags), on Debian's Node.js 18 once it is
 * prepared; `onOut` sees stdout as it comes.
 */
function runBundle(
  args: string[],
  onOut?: (out: string, kill: () => void) => void,
  file = bundle,
): Promise<Run> {
  const run = node18?.command(file, args) ?? { command: file, args, env: { PATH: process.env.PATH } };
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, run.args, {
      cwd: dir,
      env: { ...run.env, LOA_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      onOut?.(out, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, out, err });
    });
  });
}

it('the file needs no node_modules: none is above it', async () => {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    await expect(access(join(d, 'node_modules'))).rejects.toThrow();
  }
  const [shebang] = (await readFile(bundle, 'utf8')).split('\n');
  expect(shebang).toBe((await readFile('bin/loa-agent.js', 'utf8')).split('\n')[0]);
  expect(shebang).toContain('--lite-mode');
});

/** What the file does on one Node.js: run against the broker, and refuse what is wrong. */
function agentScenarios(): void {
  it('runs the agent: birth, heartbeats, records by `loa-agent log`, shutdown state on SIGTERM', async () => {
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        `brokerUrl: ${brokerUrl}`,
        'deviceId: vinh-an-c01',
        `secret: ${SECRETS['vinh-an-c01']}`,
        'province: an-giang',
        'commune: vinh-an',
        'kind: cluster',
        'heartbeatS: 0.2',
        `dataDir: ${join(dir, 'data')}`,
        'local: { httpPort: 0 }',
        '',
      ].join('\n'),
    );
    accepted.length = 0;
    const on = (channel: string) => accepted.filter((m) => m.topic === topicOf('vinh-an-c01', channel));
    let logged: Promise<[Run, Run]> | undefined;
    const agent = runBundle(['--config', config], (out, kill) => {
      const url = /local endpoint (http:\/\/\S+)/.exec(out)?.[1];
      if (url === undefined || logged !== undefined || !out.includes('online')) return;
      const ts = Date.now();
      logged = Promise.all([
        runBundle(['log', '--url', url, JSON.stringify({ channel: 'event', type: 'amp_fault', ts })]),
        runBundle(['log', '--url', url, JSON.stringify({ channel: 'event', type: 'no_such_event', ts })]),
      ]);
      void logged.then(() =>
        eventually(() => {
          if (on('heartbeat').length < 3 || on('event').length < 1) throw new Error('not yet');
        }, 10_000).then(kill),
      );
    });
    const run = await agent;
    expect(run.code).toBe(0);
    const [good, bad] = (await logged) ?? [];
    expect(good).toMatchObject({ code: 0, out: 'record 1: accepted\n' });
    expect(bad?.code).toBe(1);
    expect(bad?.out).toMatch(/^record 1: refused: .*type/);

    expect(on('meta')).toHaveLength(1);
    expect(on('heartbeat').map((m) => m.payload.seq)).toEqual(on('heartbeat').map((_, i) => i));
    expect(on('event').map((m) => m.payload.type)).toEqual(['amp_fault']);
    expect(on('state').map((m) => [m.payload.online, m.payload.reason])).toEqual([
      [true, 'boot'],
      [false, 'shutdown'],
    ]);
    // pino inside the file writes JSON lines to stderr; the one refused record is the only thing wrong.
    const logs = run.err
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual(['local record refused']);
  });

  it('refuses a bad configuration with the file and field, and unknown flags', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'brokerUrl: mqtt://127.0.0.1:1\ndeviceId: vinh-an-c01\nheartbeatS: fast\n');
    const bad = await runBundle(['--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${config}: heartbeatS:`);
    expect(bad.err).toContain(`${config}: province:`);

    const unknown = await runBundle(['--config', config, '--no-such-flag']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.err).toContain("'--no-such-flag'");

    const help = await runBundle(['--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--config <file>', '--broker <url>', '--log-level <level>', '--version'])
      expect(help.out).toContain(flag);
    expect(help.out).toMatch(/^Commands:\n {2}log \[records\.\.\.\] /m);
  });
}

describe('on the Node.js on PATH', agentScenarios);

const node18Unavailable = debianNode18Unavailable();
describe.skipIf(node18Unavailable !== undefined)(
  `on Debian 12's Node.js 18 (${node18Unavailable ?? 'from its packages'})`,
  () => {
    beforeAll(async () => {
      node18 = await prepareDebianNode18(await mkdtemp(join(dir, 'node18-')));
    }, 120_000);
    afterAll(() => {
      node18 = undefined;
    });
    it('runs Node.js 18.20, not the one on PATH', async () => {
      const probe = join(dir, 'node-version.mjs');
      await writeFile(probe, '#!/usr/bin/env node\nconsole.log(process.version);\n');
      await chmod(probe, 0o755);
      const run = await runBundle([], undefined, probe);
      expect(run).toMatchObject({ code: 0, out: expect.stringMatching(/^v18\.20\.\d+\n$/) as unknown });
    });
    agentScenarios();
  },
);

it('prints the version of package.json, as `loa --version` and `loa agent --version` do', async () => {
  const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  expect(await runBundle(['--version'])).toMatchObject({ code: 0, out: `${version}\n` });
  for (const args of [['--version'], ['agent', '--version']]) {
    const loa = spawnLoa(args);
    expect(await loa.exit()).toBe(0);
    expect(loa.output()).toBe(`${version}\n`);
  }
});
