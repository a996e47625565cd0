import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBackoff,
  createFileSessionStore,
  createMemorySessionStore,
  encodeMessage,
  MessageRefusedError,
  SessionFileError,
} from './index.js';

describe('backoff', () => {
  it('grows exponentially up to the cap, with full jitter below it', () => {
    const top = createBackoff({ minMs: 100, maxMs: 1_000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    top.reset();
    expect(top.next()).toBe(99);
    const bottom = createBackoff({ minMs: 100, maxMs: 1_000, random: () => 0 });
    expect(bottom.next()).toBe(0);
  });

  it('does not overflow after many failures', () => {
    const b = createBackoff({ minMs: 1_000, maxMs: 60_000, random: () => 0.5 });
    for (let i = 0; i < 2_000; i++) b.next();
    expect(b.next()).toBe(30_000);
  });
});

describe('session stores', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('keeps the counter in memory', async () => {
    const store = createMemorySessionStore();
    expect(await store.load()).toBeUndefined();
    await store.save(3);
    expect(await store.load()).toBe(3);
  });

  it('keeps the counter in a file, replaced whole, creating the folder', async () => {
    const base = await mkdtemp(join(tmpdir(), 'loa-session-'));
    dirs.push(base);
    const dir = join(base, 'agent');
    const store = createFileSessionStore(dir);
    expect(await store.load()).toBeUndefined();
    await store.save(7);
    await store.save(8);
    expect(await createFileSessionStore(dir).load()).toBe(8);
    expect(await readdir(dir)).toEqual(['session']);
  });

  it('refuses a damaged counter file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loa-session-'));
    dirs.push(dir);
    await writeFile(join(dir, 'session'), 'garbage');
    await expect(createFileSessionStore(dir).load()).rejects.toBeInstanceOf(SessionFileError);
  });
});

describe('outgoing messages', () => {
  it('encodes a valid payload as it was given', () => {
    const bytes = encodeMessage('state', { v: 1, online: true, session: 2, ts: 1, reason: 'boot' });
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({
      v: 1,
      online: true,
      session: 2,
      ts: 1,
      reason: 'boot',
    });
  });

  it('refuses a schema failure with its path', () => {
    expect(() =>
      encodeMessage('heartbeat', { v: 1, ts: 1, seq: -1, uptime_s: 0, power: 'mains', amp: 'on' }),
    ).toThrow(/seq: /);
  });

  it('refuses a payload over 4096 bytes', () => {
    const error = (() => {
      try {
        encodeMessage('event', {
          v: 1,
          ts: 1,
          type: 'tamper',
          detail: 'x'.repeat(500),
          ...{ pad: 'y'.repeat(5000) },
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MessageRefusedError);
    expect((error as MessageRefusedError).problems[0]).toMatch(/^\(payload\): is \d+ bytes/);
  });
});
