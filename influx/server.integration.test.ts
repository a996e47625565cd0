// A private influxd of its own (not the run's shared one): these tests stop, kill and restart it.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxWriteError } from './errors.js';
import type { Logger } from '../runtime/index.js';
import { createInfluxQl } from './query.js';
import { createInfluxdServer, InfluxdNotFoundError, type InfluxdServer } from './server.js';
import { createV1Writer } from './v1-writer.js';
import { until } from '../test/wait.js';

const logged: unknown[][] = [];
const logger: Logger = {
  info: (...a: unknown[]) => void logged.push(['info', ...a]),
  warn: (...a: unknown[]) => void logged.push(['warn', ...a]),
  error: (...a: unknown[]) => void logged.push(['error', ...a]),
  debug: (...a: unknown[]) => void logged.push(['debug', ...a]),
} as Logger;

let tmp: string;
const servers: InfluxdServer[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'loa-influxd-test-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await rm(tmp, { recursive: true, force: true });
});

function server(name: string, over: Partial<Parameters<typeof createInfluxdServer>[0]> = {}): InfluxdServer {
  const s = createInfluxdServer({ dataDir: path.join(tmp, name), logger, ...over });
  servers.push(s);
  return s;
}

async function writeError(p: Promise<void>): Promise<InfluxWriteError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InfluxWriteError);
  return err as InfluxWriteError;
}

describe('createInfluxdServer', () => {
  it('starts, survives stop and kill, and comes back on the same port with the same data', async () => {
    const s = server('restart');
    expect(s.running).toBe(false);
    const { url } = await s.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.running).toBe(true);
    expect(await s.start()).toEqual({ url }); // Already running: same URL, no second process.

    const q = createInfluxQl({ url, database: 'loa' });
    await q.createDatabase('loa');
    const w = createV1Writer({ url, database: 'loa', timeoutMs: 5000, gzip: true });
    await w.write(['m v=1 1000000']);

    await s.stop();
    expect(s.running).toBe(false);
    const down = await writeError(w.write(['m v=2 2000000']));
    expect(down.retryable).toBe(true);
    expect(down.code).toBe('ECONNREFUSED');

    expect((await s.start()).url).toBe(url);
    await w.write(['m v=2 2000000']); // The kept-alive socket died with the old process: reconnects.

    // SIGKILL: what was acknowledged before must be there after the restart (the WAL is fsynced).
    await s.kill();
    expect((await writeError(w.write(['m v=3 3000000']))).retryable).toBe(true);
    expect((await s.start()).url).toBe(url);
    const series = await q.query('SELECT "v" FROM "m"');
    expect(series[0]?.values).toEqual([
      [1, 1],
      [2, 2],
    ]);
    await s.stop();
    await s.stop(); // Stopping a stopped server is a no-op.
  });

  it('keeps its own log short: what a start after a crash must replay is snapshotted within seconds', async () => {
    // influxd replays its whole WAL into memory before it answers: ~1 s per 4 MB on a loaded 2-core
    // machine. By default it snapshots only at 25 MB per shard or after 10 min without writes.
    const s = server('snapshot');
    const { url } = await s.start();
    const q = createInfluxQl({ url, database: 'loa' });
    await q.createDatabase('loa');
    q.close();
    const w = createV1Writer({ url, database: 'loa', timeoutMs: 30_000, gzip: false });
    const walBytes = () => folderBytes(path.join(tmp, 'snapshot', 'wal'));
    const t0 = 1_700_000_000_000;
    // 300,000 points in one shard: ~8 MB of WAL, ~24 MB of cache (influxd's default snapshot is at 25 MB).
    for (let b = 0; b < 300; b++) {
      await w.write(
        Array.from(
          { length: 1000 },
          (_, i) =>
            `soak,device=d${i % 500} seq=${b * 1000 + i}i,note="${'x'.repeat(60)}" ${t0 + b * 1000 + i}000000`,
        ),
      );
    }
    let bytes = Infinity;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      bytes = await walBytes();
      if (bytes < 4_000_000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(bytes).toBeLessThan(4_000_000);
    await s.stop();
  }, 90_000);

  it('writes its config into the data folder with every listener on our host', async () => {
    const s = server('config');
    const { url } = await s.start();
    await s.stop();
    const conf = await readFile(path.join(tmp, 'config', 'influxd.conf'), 'utf8');
    const port = new URL(url).port;
    expect(conf).toContain(`bind-address = "127.0.0.1:${port}"`);
    expect(conf).toMatch(/^bind-address = "127\.0\.0\.1:\d+"$/m);
    expect(conf).toContain(`dir = ${JSON.stringify(path.join(tmp, 'config', 'meta'))}`);
    expect(conf).toContain('reporting-enabled = false');
  });

  it('rejects with influxd’s own words when it exits before answering', async () => {
    // Hold a port so influxd cannot bind it; a port given by the caller is never changed.
    // Connections are dropped at once: our readiness ping must not mistake the holder for influxd.
    const holder = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const s = server('clash', { port });
      await expect(s.start()).rejects.toThrow(
        /influxd exited with code \d+ before answering \/ping.*\n[\s\S]*address already in use/,
      );
      expect(s.running).toBe(false);
    } finally {
      await new Promise<void>((resolve) => {
        holder.close(() => {
          resolve();
        });
      });
    }
  });

  it('restarts influxd after an unexpected exit when asked to, and health() says what it is doing', async () => {
    const s = server('supervised', { restart: { baseMs: 200 } });
    const { url } = await s.start();
    expect(s.health()).toEqual({ ok: true, state: 'running', restarts: 0 });
    const first = s.pid as number;
    process.kill(first, 'SIGKILL');
    await until(() => !s.health().ok, 20_000);
    expect(s.health()).toMatchObject({
      ok: false,
      state: 'restarting',
      restarts: 1,
      lastExit: 'killed by SIGKILL',
    });
    await until(() => s.health().ok, 20_000);
    expect(s.pid).not.toBe(first);
    expect(s.url).toBe(url); // Same port: the writers keep their URL.
    expect(logged.some((l) => l.includes('influxd exited unexpectedly; restarting it'))).toBe(true);
    expect(logged.some((l) => l.includes('influxd restarted'))).toBe(true);
    // Asked to stop, it stays stopped.
    await s.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect(s.health()).toMatchObject({ ok: false, state: 'stopped' });
  });

  it('refuses a port held by another program when told to, and moves off it when allowed', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      await expect(server('refuse', { port, portTaken: 'refuse' }).start()).rejects.toThrow(
        `InfluxDB port ${port} on 127.0.0.1 is in use by another program`,
      );
      const moved = await server('move', { port, portTaken: 'move' }).start();
      expect(moved.url).not.toBe(`http://127.0.0.1:${port}`);
    } finally {
      await new Promise<void>((resolve) =>
        holder.close(() => {
          resolve();
        }),
      );
    }
  });

  it('kills an influxd left by a dead owner that does not stop on SIGTERM, after a short grace', async () => {
    // A stand-in for a busy leftover: named influxd, deaf to SIGTERM.
    const leftover = spawn('bash', ['-c', 'trap "" TERM; exec -a influxd-leftover sleep 120'], {
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      leftover.once('exit', (_code, signal) => {
        resolve(signal);
      }),
    );
    await new Promise((r) => setTimeout(r, 200)); // until bash has become "influxd-leftover"
    const dataDir = path.join(tmp, 'leftover');
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'influxd.pid'), `${leftover.pid}\n`);
    const s = server('leftover');
    await s.start();
    expect(await exited).toBe('SIGKILL');
    expect(
      logged.some(([level, , msg]) => level === 'warn' && String(msg).includes('did not stop on SIGTERM')),
    ).toBe(true);
    await s.stop();
  });

  it('says how to install influxd when it cannot be found', async () => {
    const s = server('missing', { binary: 'no-such-influxd-binary' });
    const err = await s.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxdNotFoundError);
    expect((err as Error).message).toContain('apt-get install influxdb');
    expect((err as Error).message).toContain('URL of an existing InfluxDB server');
    const byPath = server('missing2', { binary: path.join(tmp, 'nope', 'influxd') });
    await expect(byPath.start()).rejects.toBeInstanceOf(InfluxdNotFoundError);
  });
});

/** Bytes of every file under `dir`. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}
