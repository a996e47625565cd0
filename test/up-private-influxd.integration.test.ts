// `loa up` with its own private influxd (issue #14, points 7–10): the data folder's lock is taken before
// influxd is touched, a port the user asked for is honoured or refused, influxd runs with authentication
// and users generated at the first start, the data folder and the log are the owner's only, and an
// influxd that dies is restarted while /healthz says so and nothing acknowledged is lost or duplicated.
// Every `loa up` here starts its own influxd; the run's shared one is not used.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxQl, freePort, InfluxQueryError, type InfluxQl } from '../influx/index.js';
import { spawnLoa, type LoaProcess } from './cli-process.js';
import { testProvinceYaml } from './fixtures/province.js';
import { heartbeatCounts } from './influx-helpers.js';
import { connectDevice, publishHeartbeats } from './mqtt-helpers.js';
import { eventually } from './wait.js';

let dir: string;
let inventoryDir: string;
const children: LoaProcess[] = [];
const dataDirs: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-up-influxd-'));
  inventoryDir = join(dir, 'inventory');
  await mkdir(inventoryDir);
  await writeFile(join(inventoryDir, 'an-giang.yaml'), await testProvinceYaml());
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGTERM')));
  // A `loa up` killed with SIGKILL leaves its influxd (its own process group) behind: stop it here.
  for (const data of dataDirs) {
    const pid = await influxdPid(data).catch(() => undefined);
    if (pid !== undefined && (await running(pid))) process.kill(pid, 'SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

function upArgs(data: string, extra: string[] = []): string[] {
  return [
    'up',
    '--inventory',
    inventoryDir,
    '--data',
    data,
    '--mqtt-port',
    '0',
    '--http-port',
    '0',
    ...extra,
  ];
}

async function startUp(data: string, extra: string[] = []): Promise<LoaProcess> {
  if (!dataDirs.includes(data)) dataDirs.push(data);
  const up = spawnLoa(upArgs(data, extra));
  children.push(up);
  await up.waitFor(/metrics +http:/, 60_000);
  return up;
}

interface Record {
  broker: string;
  influx: string;
  http: string;
  database: string;
  pid: number;
}

async function record(data: string): Promise<Record> {
  return JSON.parse(await readFile(join(data, 'loa.json'), 'utf8')) as Record;
}

async function credentials(data: string) {
  type User = { username: string; password: string };
  return JSON.parse(await readFile(join(data, 'influxdb-credentials.json'), 'utf8')) as {
    admin: User;
    reader: User;
  };
}

async function influxdPid(data: string): Promise<number> {
  return Number((await readFile(join(data, 'influxdb', 'influxd.pid'), 'utf8')).trim());
}

/** Alive and not a zombie (a killed `loa up`'s orphans may wait unreaped in a container). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && !/^\d+ \(.*\) [ZX]/.test(stat);
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

describe('one `loa up` with its private influxd', () => {
  let data: string;
  let up: LoaProcess;
  let admin: InfluxQl;

  beforeAll(async () => {
    data = join(dir, 'data');
    up = await startUp(data);
    const { admin: user } = await credentials(data);
    const { influx, database } = await record(data);
    admin = createInfluxQl({ url: influx, database, ...user });
  }, 90_000);

  afterAll(() => {
    admin.close();
  });

  it('keeps the data folder, the log and the credentials to its owner (0700 / 0600)', async () => {
    expect(await mode(data)).toBe(0o700);
    expect(await mode(join(data, 'wal'))).toBe(0o700);
    expect(await mode(join(data, 'influxdb-credentials.json'))).toBe(0o600);
    expect(await mode(join(data, 'loa.json'))).toBe(0o600);
    const segments = (await readdir(join(data, 'wal'))).filter((f) => f.endsWith('.wal'));
    expect(segments.length).toBeGreaterThan(0);
    for (const f of segments) expect(await mode(join(data, 'wal', f))).toBe(0o600);
    // The generated passwords are in the credentials file only, not in the record.
    expect(await readFile(join(data, 'loa.json'), 'utf8')).not.toContain(
      (await credentials(data)).admin.password,
    );
  });

  it('runs influxd with authentication: no login, no data; the reader reads and cannot write', async () => {
    const { influx, database } = await record(data);
    const anonymous = createInfluxQl({ url: influx, database });
    const error = await anonymous.query('SHOW DATABASES').catch((e: unknown) => e);
    anonymous.close();
    expect(error).toBeInstanceOf(InfluxQueryError);
    expect((error as InfluxQueryError).status).toBe(401);

    expect((await admin.query('SHOW DATABASES'))[0]?.values.flat()).toContain(database);
    const { reader: user } = await credentials(data);
    const reader = createInfluxQl({ url: influx, database, ...user });
    try {
      await expect(reader.query('SHOW MEASUREMENTS')).resolves.toBeDefined();
      await expect(reader.query(`DROP DATABASE "${database}"`)).rejects.toThrow(/not authorized|authoriz/);
    } finally {
      reader.close();
    }
  });

  it('`loa coverage` and `loa report` find the login through the data folder', async () => {
    const run = async (args: string[]) => {
      const p = spawnLoa(args);
      children.push(p);
      return { code: await p.exit(), output: p.output() };
    };
    await eventually(
      async () => {
        const coverage = await run(['coverage', '--data', data, '--json']);
        expect(coverage.output).toContain('vinh-an');
        expect(coverage.code).toBe(0);
      },
      60_000,
      1000,
    );
    const month = new Date().toISOString().slice(0, 7);
    const report = await run(['report', '--data', data, '--month', month]);
    expect(report.output).not.toMatch(/401|authori/);
    expect(report.code).toBe(0);
  }, 90_000);

  it('a second `loa up` on the same data folder leaves the first alone and says why it stops', async () => {
    const before = await record(data);
    const pid = await influxdPid(data);
    const second = spawnLoa(upArgs(data));
    children.push(second);
    expect(await second.exit()).toBe(1);
    expect(second.output()).toContain(`data folder ${data} is in use by another Loa (process ${before.pid})`);
    expect(second.output()).not.toContain('stopping an influxd');
    // The first one's influxd, config and record are untouched, and it still answers.
    expect(await influxdPid(data)).toBe(pid);
    expect(await running(pid)).toBe(true);
    expect(await record(data)).toEqual(before);
    expect(await status(`${before.http}/healthz`)).toBe(200);
  }, 60_000);

  it('restarts a killed influxd, is unhealthy meanwhile, and stores every acknowledged message once', async () => {
    const { broker, http } = await record(data);
    const client = await connectDevice(broker, 'vinh-an-c01');
    const during = await connectDevice(broker, 'vinh-an-c02');
    const baseTs = Date.now() - 600_000;
    try {
      await publishHeartbeats(client, 'vinh-an-c01', { count: 200, baseTs });
      const first = await influxdPid(data);
      process.kill(first, 'SIGKILL');
      const killedAt = Date.now();
      // Red within seconds, not after the ingest's 30 s of failed writes.
      await eventually(
        async () => {
          expect(await status(`${http}/healthz`)).toBe(503);
        },
        5000,
        50,
      );
      expect(Date.now() - killedAt).toBeLessThan(5000);
      // Devices are still acknowledged while it is down: the write-ahead log holds what they sent.
      await publishHeartbeats(during, 'vinh-an-c02', { count: 400, baseTs });
      await eventually(async () => {
        expect(await status(`${http}/healthz`)).toBe(200);
      }, 60_000);
      const second = await influxdPid(data);
      expect(second).not.toBe(first);
      expect(up.output()).toContain('influxd exited unexpectedly; restarting it');
      await eventually(async () => {
        expect(await heartbeatCounts(admin)).toEqual({
          'vinh-an-c01': [200, 200],
          'vinh-an-c02': [400, 400],
        });
      }, 60_000);
    } finally {
      await client.endAsync();
      await during.endAsync();
    }
  }, 120_000);
});

describe('ports', () => {
  let blocker: Server | undefined;

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      if (blocker === undefined) resolve();
      else
        blocker.close(() => {
          resolve();
        });
    });
  });

  it('after a SIGKILL, `loa up --influx-port P` comes back on P (the leftover influxd is stopped first)', async () => {
    const data = join(dir, 'port-data');
    const port = await freePort();
    let up = await startUp(data, ['--influx-port', String(port)]);
    expect(up.output()).toMatch(new RegExp(`influxdb +http://127\\.0\\.0\\.1:${port}`));
    const leftover = await influxdPid(data);
    await up.kill('SIGKILL');
    expect(await running(leftover)).toBe(true);

    up = await startUp(data, ['--influx-port', String(port)]);
    expect(up.output()).toMatch(new RegExp(`influxdb +http://127\\.0\\.0\\.1:${port}`));
    expect(up.output()).not.toContain('port taken');
    expect(await running(leftover)).toBe(false);
    expect((await record(data)).influx).toBe(`http://127.0.0.1:${port}`);
    await up.kill('SIGTERM');
  }, 120_000);

  it('a port the user asked for that another program holds is refused with a clear error', async () => {
    const port = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(port, '127.0.0.1', resolve));
    const up = spawnLoa(upArgs(join(dir, 'taken-data'), ['--influx-port', String(port)]));
    children.push(up);
    expect(await up.exit()).toBe(1);
    expect(up.output()).toContain(`InfluxDB port ${port} on 127.0.0.1 is in use by another program`);
  }, 60_000);
});

describe('after a crash', () => {
  it('accepts and acknowledges devices while its influxd is still starting, and stores what they sent', async () => {
    const data = join(dir, 'slow-data');
    dataDirs.push(data);
    const mqttPort = await freePort();
    // An influxd that takes seconds to answer, as one replaying a big log after a crash does; the file
    // says when it was really started.
    const startedFile = join(dir, 'influxd-started');
    const slowInfluxd = join(dir, 'slow-influxd');
    await writeFile(slowInfluxd, `#!/bin/sh\nsleep 8\ndate +%s%3N > ${startedFile}\nexec influxd "$@"\n`, {
      mode: 0o755,
    });
    const up = spawnLoa(upArgs(data, ['--mqtt-port', String(mqttPort), '--influxd', slowInfluxd]));
    children.push(up);
    const client = await eventually(
      () => connectDevice(`mqtt://127.0.0.1:${mqttPort}`, 'vinh-an-c01'),
      30_000,
      100,
    );
    try {
      await publishHeartbeats(client, 'vinh-an-c01', { count: 20, baseTs: Date.now() - 60_000 });
      const ackedAt = Date.now();
      const influxdStartedAt = await readFile(startedFile, 'utf8').then(Number, () => Infinity);
      expect(influxdStartedAt).toBeGreaterThan(ackedAt);

      await up.waitFor(/metrics +http:/, 60_000);
      const { admin: user } = await credentials(data);
      const { influx, database } = await record(data);
      const ql = createInfluxQl({ url: influx, database, ...user });
      try {
        await eventually(async () => {
          expect(await heartbeatCounts(ql)).toEqual({ 'vinh-an-c01': [20, 20] });
        }, 30_000);
      } finally {
        ql.close();
      }
    } finally {
      await client.endAsync();
      await up.kill('SIGTERM');
    }
  }, 120_000);
});
