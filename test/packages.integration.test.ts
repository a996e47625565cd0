// The Debian packages as an administrator meets them: built by scripts/package.ts (`npm run package`),
// checked by lintian, then installed on this machine with dpkg as root, used, removed and purged, until
// nothing of them is left but what Debian keeps (the system users). The agent package is installed by
// running the shell lines of docs/agent.md §1–§3 themselves, so the guide cannot drift from the package.
// Needs root and dpkg (CI runs as root); it refuses to run where a loa package, /etc/loa or the agent's
// single file is already on the machine, which it would otherwise remove. Everything it installs or makes
// is removed after it, also when a test fails. Its servers use free ports; `loa up` keeps its data in a
// folder of its own under /var/lib/loa.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../broker/index.js';
import { readRecord } from '../cli/index.js';
import { createAgent } from '../devices/index.js';
import { createInfluxQl } from '../influx/index.js';
import { silentLogger } from '../runtime/index.js';
import { buildPackages, type BuiltPackages } from '../scripts/package.js';
import { SECRETS, testInventory, testProvinceYaml, topicOf } from './fixtures/province.js';
import { eventually } from './wait.js';

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a command to its end; never throws (the caller asserts on the code and the output). */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, out, err });
    });
  });
}

const sh = (line: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  run('sh', ['-ec', line], options);

/** systemd's PATH for services. */
const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What this file would remove after it, so must not find before it. */
const OURS = [
  '/etc/loa',
  '/var/lib/loa',
  '/var/lib/loa-agent',
  '/usr/local/lib/loa-agent',
  '/usr/local/bin/loa-agent',
];

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: it installs the packages with dpkg';
  for (const tool of ['dpkg', 'dpkg-deb', 'apt-get', 'setpriv'])
    if (!['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, tool))))
      return `needs ${tool}`;
  const present = OURS.find((path) => existsSync(path));
  if (present !== undefined) return `${present} exists on this machine and the test would remove it`;
  return undefined;
}

async function installed(pkg: string): Promise<string> {
  return (await run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', pkg])).out.trim();
}

async function userExists(name: string): Promise<boolean> {
  return (await run('getent', ['passwd', name])).code === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** A unit's `Key=` values. */
function unitValues(unit: string, key: string): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');
}

/** Starts a unit's ExecStart as its User, with its Environment, as systemd would (without systemd). */
async function startLikeSystemd(
  unitFile: string,
): Promise<{ child: ChildProcess; out: () => string; exit: Promise<number | null> }> {
  const unit = await readFile(unitFile, 'utf8');
  const [user = 'root'] = unitValues(unit, 'User');
  const [exec = ''] = unitValues(unit, 'ExecStart');
  const env = Object.fromEntries(
    unitValues(unit, 'Environment').map((e) => e.split('=') as [string, string]),
  );
  const child = spawn(
    'setpriv',
    [`--reuid=${user}`, `--regid=${user}`, '--init-groups', '--', ...exec.split(/\s+/)],
    {
      cwd: '/',
      env: { PATH: SERVICE_PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => {
    child.once('close', resolve);
  });
  return { child, out: () => text, exit };
}

/** The lines of the `sh` blocks of a markdown text between two headings, comments and blank lines left out. */
function shellLines(markdown: string, from: string, to: string): string[] {
  const part = markdown.slice(markdown.indexOf(from), markdown.indexOf(to));
  return [...part.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => (m[1] ?? '').split('\n'))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

const reason = unavailable();

describe.skipIf(reason !== undefined)(`Debian packages (${reason ?? 'as root, with dpkg'})`, () => {
  let dir: string;
  let built: BuiltPackages;
  let lintian: Promise<Run> | undefined;
  const usersBefore = new Map<string, boolean>();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    for (const user of ['loa', 'loa-agent']) usersBefore.set(user, await userExists(user));
    dir = await mkdtemp(join(tmpdir(), 'loa-packages-'));
    await chmod(dir, 0o755); // the loa and loa-agent users read the test's files in it
    built = await buildPackages(join(dir, 'deb'));
    // lintian takes about a minute: it runs while the packages are tried.
    if (existsSync('/usr/bin/lintian'))
      lintian = run('lintian', ['--tag-display-limit', '0', built.agent, built.platform]);
  }, 300_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await lintian;
    for (const pkg of ['loa', 'loa-agent'])
      if ((await installed(pkg)) !== '') await run('dpkg', ['--purge', pkg]);
    for (const path of OURS) await rm(path, { recursive: true, force: true });
    // Debian keeps the system users a package made; the machine did not have them before this test.
    for (const [user, existed] of usersBefore)
      if (!existed && (await userExists(user))) await run('userdel', [user]);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);

  it('hold what they should, with the version of package.json', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(built.version).toBe(version);
    expect(built.agent).toMatch(new RegExp(`/loa-agent_${version.replaceAll('.', '\\.')}_all\\.deb$`));
    expect(built.platform).toMatch(new RegExp(`/loa_${version.replaceAll('.', '\\.')}_all\\.deb$`));

    const field = async (deb: string, name: string) => (await run('dpkg-deb', ['-f', deb, name])).out.trim();
    const contents = async (deb: string) => (await run('dpkg-deb', ['--contents', deb])).out;
    expect(await field(built.agent, 'Version')).toBe(version);
    expect(await field(built.agent, 'Architecture')).toBe('all');
    expect(await field(built.agent, 'Depends')).toMatch(/\bnodejs \(>= 18\)/);
    const agent = await contents(built.agent);
    expect(agent).toMatch(/ \.\/usr\/bin\/loa-agent -> \.\.\/lib\/loa-agent\/loa-agent\.mjs$/m);
    expect(agent).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/lib\/loa-agent\/loa-agent\.mjs$/m);
    for (const path of [
      './lib/systemd/system/loa-agent.service',
      './etc/loa/agent.yaml',
      './usr/share/doc/loa-agent/copyright',
      './usr/share/man/man1/loa-agent.1.gz',
    ])
      expect(agent).toContain(` ${path}\n`);
    expect((await run('dpkg-deb', ['-I', built.agent, 'conffiles'])).out).toBe('/etc/loa/agent.yaml\n');

    expect(await field(built.platform, 'Version')).toBe(version);
    expect(await field(built.platform, 'Depends')).toMatch(/\bnodejs \(>= 20\).*\binfluxdb\b/);
    expect(await field(built.platform, 'Recommends')).toBe('mosquitto');
    const platform = await contents(built.platform);
    expect(platform).toMatch(/ \.\/usr\/bin\/loa -> \.\.\/lib\/loa\/bin\/loa\.js$/m);
    for (const path of [
      './usr/lib/loa/dist/cli/main.js',
      './usr/lib/loa/node_modules/aedes/package.json',
      './lib/systemd/system/loa.service',
      './etc/loa/loa.yaml',
      './etc/loa/inventory/',
      './usr/share/man/man1/loa.1.gz',
    ])
      expect(platform).toContain(` ${path}\n`);
    // What only a clone uses stays out: dev tools, tests, tsx and esbuild's native binary.
    expect(platform).not.toMatch(/node_modules\/(tsx|esbuild|@esbuild|vitest|typescript|eslint)\//);
    expect(platform.split('\n').filter((l) => /\.test\.js$|\.ts$|\.map$/.test(l))).toEqual([]);
    expect((await run('dpkg-deb', ['-I', built.platform, 'conffiles'])).out).toBe('/etc/loa/loa.yaml\n');
  });

  it('loa-agent: the lines of docs/agent.md §1–§3 install and run it; a broken agent.yaml keeps it stopped; remove and purge leave only its user', async () => {
    const accepted: { topic: string; payload: Record<string, unknown> }[] = [];
    const broker: Broker = createBroker({
      inventory: await testInventory(),
      port: 0,
      logger: silentLogger(),
      onAccepted: (topic, payload) => {
        accepted.push({ topic, payload: JSON.parse(payload.toString('utf8')) as Record<string, unknown> });
      },
    });
    const { url: brokerUrl } = await broker.start();
    try {
      // The folder the operator works in: the package, the single file, a certificate (§2's alternative).
      const work = join(dir, 'box');
      await mkdir(work);
      await run('cp', [built.agent, work]);
      await run('dpkg-deb', ['-x', built.agent, join(dir, 'agent-files')]);
      await run('cp', [join(dir, 'agent-files/usr/lib/loa-agent/loa-agent.mjs'), work]);
      for (const file of ['agent.key', 'agent.crt', 'ca.pem']) await writeFile(join(work, file), 'test\n');
      // `editor FILE` writes what the operator would type: the test's broker, device and secret.
      const httpPort = await freePort();
      const typed = join(dir, 'typed');
      await mkdir(typed);
      await writeFile(join(typed, 'agent.secret'), `${SECRETS['vinh-an-c01']}\n`);
      await writeFile(
        join(typed, 'agent.yaml'),
        [
          `brokerUrl: ${brokerUrl}`,
          'deviceId: vinh-an-c01',
          'province: an-giang',
          'commune: vinh-an',
          'kind: cluster',
          'hamlets: [an-hoa]',
          'secretFile: /etc/loa/agent.secret',
          'heartbeatS: 0.5',
          'dataDir: /var/lib/loa-agent',
          `local: { httpPort: ${httpPort} }`,
          '',
        ].join('\n'),
      );
      const bin = join(dir, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'editor'), `#!/bin/sh\ncat "${typed}/$(basename "$1")" > "$1"\n`, {
        mode: 0o755,
      });
      const env = { PATH: `${bin}:${SERVICE_PATH}`, DEBIAN_FRONTEND: 'noninteractive' };

      const doc = await readFile('docs/agent.md', 'utf8');
      const lines = shellLines(doc, '## 1. ', '## 4. ');
      const systemd = existsSync('/run/systemd/system');
      let agent: Awaited<ReturnType<typeof startLikeSystemd>> | undefined;
      const ran: string[] = [];
      for (const line of lines) {
        if (/^journalctl .* -f\b/.test(line)) continue; // follows the log forever
        if (/^systemctl /.test(line) && !systemd) {
          // No systemd here: what the unit would run, as it would.
          if (/^systemctl enable --now loa-agent\b/.test(line)) {
            agent = await startLikeSystemd('/lib/systemd/system/loa-agent.service');
            children.push(agent.child);
          }
          continue;
        }
        if (line.startsWith('curl ')) {
          // The agent is online before the status is worth reading; the port is the test's free one.
          await eventually(() => {
            if (!accepted.some((m) => m.topic === topicOf('vinh-an-c01', 'heartbeat')))
              throw new Error(`no heartbeat yet:\n${agent?.out() ?? ''}`);
          }, 30_000);
          const status = await sh(line.replace('127.0.0.1:8790', `127.0.0.1:${httpPort}`), {
            cwd: work,
            env,
          });
          expect(status.code, line).toBe(0);
          expect(JSON.parse(status.out)).toMatchObject({ online: true });
          ran.push(line);
          continue;
        }
        const result = await sh(line, { cwd: work, env });
        expect(result.code, `${line}\n${result.out}${result.err}`).toBe(0);
        if (line.startsWith('loa-agent --version')) expect(result.out).toBe(`${built.version}\n`);
        ran.push(line);
        // The single file is the alternative to the package: the service below must run the package's.
        if (line.startsWith('ln -sf ../lib/loa-agent/loa-agent.mjs /usr/local/bin/loa-agent')) {
          const single = await sh('loa-agent --version', { cwd: work, env });
          expect(single.out).toBe(`${built.version}\n`);
          expect((await sh('readlink -f "$(command -v loa-agent)"', { env })).out.trim()).toBe(
            '/usr/local/lib/loa-agent/loa-agent.mjs',
          );
        }
      }
      expect(ran.some((l) => l.startsWith('apt-get install -y ./loa-agent_'))).toBe(true);
      expect(ran.some((l) => l.startsWith('curl '))).toBe(true);
      expect(agent, 'the agent was started by the doc').toBeDefined();
      await rm('/usr/local/lib/loa-agent', { recursive: true, force: true });
      await rm('/usr/local/bin/loa-agent', { force: true });

      // What the package set up.
      expect(await installed('loa-agent')).toBe('ii');
      const state = await stat('/var/lib/loa-agent');
      expect(state.mode & 0o777).toBe(0o700);
      expect((await run('stat', ['-c', '%U', '/var/lib/loa-agent'])).out.trim()).toBe('loa-agent');
      expect((await readFile('/etc/loa/agent.yaml', 'utf8')).includes(brokerUrl)).toBe(true);

      // `systemctl stop` is SIGTERM: the retained shutdown state, exit 0.
      agent?.child.kill('SIGTERM');
      expect(await agent?.exit).toBe(0);
      const states = accepted
        .filter((m) => m.topic === topicOf('vinh-an-c01', 'state'))
        .map((m) => m.payload.reason);
      expect(states).toEqual(['boot', 'shutdown']);

      // A broken file, then an upgrade (the same package again): dpkg keeps the operator's file and
      // succeeds; the unit's command exits with the status the unit does not restart on, naming the
      // file and the field (what the journal would show).
      await writeFile(
        '/etc/loa/agent.yaml',
        (await readFile('/etc/loa/agent.yaml', 'utf8')).replace('heartbeatS: 0.5', 'heartbeatS: fast'),
      );
      const upgrade = await run('dpkg', ['-i', built.agent]);
      expect(upgrade.code, upgrade.err).toBe(0);
      expect(await readFile('/etc/loa/agent.yaml', 'utf8')).toContain('heartbeatS: fast');
      const unit = await readFile('/lib/systemd/system/loa-agent.service', 'utf8');
      const broken = await startLikeSystemd('/lib/systemd/system/loa-agent.service');
      children.push(broken.child);
      const code = await broken.exit;
      expect(unitValues(unit, 'RestartPreventExitStatus')).toEqual([String(code)]);
      expect(code).toBe(2);
      expect(broken.out()).toContain('/etc/loa/agent.yaml: heartbeatS:');

      // What the operator added is theirs, not the package's (Debian leaves it): removed by hand here.
      for (const file of ['agent.secret', 'agent.key', 'agent.crt', 'ca.pem'])
        await rm(join('/etc/loa', file));
      const files = (await run('dpkg', ['-L', 'loa-agent'])).out.split('\n').filter((p) => p !== '');

      expect((await run('dpkg', ['-r', 'loa-agent'])).code).toBe(0);
      expect(await installed('loa-agent')).toBe('rc');
      for (const path of [
        '/usr/bin/loa-agent',
        '/usr/lib/loa-agent',
        '/lib/systemd/system/loa-agent.service',
      ])
        expect(existsSync(path), path).toBe(false);
      expect(existsSync('/etc/loa/agent.yaml'), 'the conffile stays until purge').toBe(true);

      expect((await run('dpkg', ['-P', 'loa-agent'])).code).toBe(0);
      expect(await installed('loa-agent')).toBe('');
      await expectGone(files, 'loa-agent');
      expect(existsSync('/var/lib/loa-agent')).toBe(false);
      expect(await userExists('loa-agent'), 'Debian keeps system users').toBe(true);
    } finally {
      await broker.stop();
    }
  }, 300_000);

  it("loa: dpkg -i, apt-get install -f, loa --version, loa up as the loa user until an outside device's heartbeat is stored, remove, purge", async () => {
    const nodeBefore = (await run('node', ['--version'])).out;
    const install = await run('dpkg', ['-i', built.platform]);
    expect(install.code, install.err).toBe(0);
    const fix = await run('apt-get', ['install', '-f', '-y', '-q'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    expect(fix.code, fix.err).toBe(0);
    expect(await installed('loa')).toBe('ii');
    expect((await run('/usr/bin/loa', ['--version'])).out).toBe(`${built.version}\n`);
    expect((await run('/usr/bin/loa', ['agent', '--version'])).out).toBe(`${built.version}\n`);
    expect((await stat('/var/lib/loa')).mode & 0o777).toBe(0o700);
    expect((await run('stat', ['-c', '%U', '/var/lib/loa'])).out.trim()).toBe('loa');
    expect(unitValues(await readFile('/lib/systemd/system/loa.service', 'utf8'), 'ExecStart')).toEqual([
      '/usr/bin/loa up --config /etc/loa/loa.yaml',
    ]);

    // A tiny inventory, and the packaged layout with the test's ports: all free ones.
    const inventory = join(dir, 'inventory');
    await mkdir(inventory);
    await writeFile(join(inventory, 'an-giang.yaml'), await testProvinceYaml());
    await chmod(inventory, 0o755);
    const config = join(dir, 'loa.yaml');
    const data = `/var/lib/loa/test-${process.pid}`;
    await writeFile(
      config,
      [
        `data: ${data}`,
        `inventory: ${inventory}`,
        'mqtt: { port: 0 }',
        'http: { port: 0 }',
        'influx: { port: 0 }',
        '',
      ].join('\n'),
    );
    const up = spawn(
      'setpriv',
      ['--reuid=loa', '--regid=loa', '--init-groups', '--', '/usr/bin/loa', 'up', '--config', config],
      {
        cwd: '/',
        env: { PATH: SERVICE_PATH, LOA_LOG_FORMAT: 'json' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(up);
    let out = '';
    up.stdout.on('data', (d: Buffer) => (out += d.toString()));
    up.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => {
      up.once('close', resolve);
    });
    // Where it listens: from the run record it writes once up (what `loa coverage --data` reads too).
    const {
      broker: brokerUrl,
      influx: influxUrl,
      influxAuth,
    } = await eventually(async () => {
      if (up.exitCode !== null) throw new Error(`loa up exited:\n${out}`);
      return readRecord(data);
    }, 60_000);

    const device = createAgent({
      brokerUrl,
      deviceId: 'vinh-an-c01',
      secret: SECRETS['vinh-an-c01'],
      province: 'an-giang',
      commune: 'vinh-an',
      kind: 'cluster',
      heartbeatS: 0.2,
      logger: silentLogger(),
    });
    await device.start();
    // The private InfluxDB requires a login: the credentials loa up generated, found through the record.
    const ql = createInfluxQl({ url: influxUrl, database: 'loa', ...influxAuth });
    try {
      await eventually(async () => {
        const series = await ql.query(`SELECT count("seq") FROM "heartbeat" WHERE "device" = 'vinh-an-c01'`);
        if (!((Number(series[0]?.values[0]?.[1]) || 0) > 0))
          throw new Error(`no heartbeat stored yet:\n${out}`);
      }, 30_000);
    } finally {
      ql.close();
      await device.stop();
    }
    up.kill('SIGTERM');
    expect(await exited).toBe(0);

    const files = (await run('dpkg', ['-L', 'loa'])).out.split('\n').filter((p) => p !== '');
    expect((await run('dpkg', ['-r', 'loa'])).code).toBe(0);
    expect(await installed('loa')).toBe('rc');
    for (const path of ['/usr/bin/loa', '/usr/lib/loa', '/lib/systemd/system/loa.service'])
      expect(existsSync(path), path).toBe(false);
    expect(existsSync('/etc/loa/loa.yaml'), 'the conffile stays until purge').toBe(true);
    expect(existsSync(data), 'the data stays until purge').toBe(true);

    expect((await run('dpkg', ['-P', 'loa'])).code).toBe(0);
    expect(await installed('loa')).toBe('');
    await expectGone(files, 'loa');
    expect(existsSync('/var/lib/loa')).toBe(false);
    expect(await userExists('loa'), 'Debian keeps system users').toBe(true);
    expect((await run('node', ['--version'])).out, "the machine's Node.js is untouched").toBe(nodeBefore);
  }, 300_000);

  it('loa without influxdb: dpkg refuses to configure it with its dependency error, and nothing of it runs', async () => {
    // A copy of this machine's dpkg database without influxdb, and a scratch root: the real system is
    // not touched.
    const admin = join(dir, 'admin');
    const root = join(dir, 'root');
    await mkdir(join(admin, 'updates'), { recursive: true });
    await mkdir(join(admin, 'info'));
    await mkdir(root);
    await writeFile(join(admin, 'available'), '');
    const status = (await readFile('/var/lib/dpkg/status', 'utf8')).split('\n\n');
    await writeFile(
      join(admin, 'status'),
      status.filter((stanza) => !/^Package: influxdb$/m.test(stanza)).join('\n\n'),
    );
    const result = await run('dpkg', [`--admindir=${admin}`, `--instdir=${root}`, '-i', built.platform]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /dependency problems prevent configuration of loa:\n loa depends on influxdb; however:\n {2}Package influxdb is not installed\./,
    );
    // Unpacked, never configured: postinst did not run, so no state folder, no enabled unit.
    expect(
      (await run('dpkg-query', [`--admindir=${admin}`, '-W', '-f', '${db:Status-Abbrev}', 'loa'])).out.trim(),
    ).toBe('iU');
    expect(existsSync(join(root, 'var/lib/loa'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/loa.service'))).toBe(false);
  }, 120_000);

  it('lintian finds no error in either package', async () => {
    if (lintian === undefined) {
      expect.fail('lintian is not installed (CI installs it: .ci/run)');
      return;
    }
    const { out, err } = await lintian;
    const tags = out.split('\n').filter((l) => /^[EWIPX]: /.test(l));
    expect(
      tags.filter((t) => t.startsWith('E: ')),
      `${out}${err}`,
    ).toEqual([]);
  }, 300_000);
});

/**
 * After a purge: nothing the package listed is left (folders it shared with others aside, such as /usr/bin),
 * and systemd keeps no record of its unit.
 */
async function expectGone(files: string[], pkg: string): Promise<void> {
  const shared = new Set([
    '/.',
    '/etc',
    '/lib',
    '/lib/systemd',
    '/lib/systemd/system',
    '/usr',
    '/usr/bin',
    '/usr/lib',
    '/usr/share',
    '/usr/share/doc',
    '/usr/share/man',
    '/usr/share/man/man1',
  ]);
  for (const path of files)
    if (!shared.has(path)) expect(existsSync(path), `${path} left after purge`).toBe(false);
  const left = await run('find', ['/etc/systemd', '/var/lib/systemd', '-name', `${pkg}.service*`]);
  expect(left.out).toBe('');
}
