// SIGKILL at any moment loses nothing append() returned: a child process appends and prints each seq,
// the test kills it mid-stream (twice, the second run continuing the first one's log), then reopens the log.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Wal, type WalRecord } from './wal.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const child = fileURLToPath(new URL('../test/fixtures/wal-crash-child.ts', import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-wal-crash-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child until it has printed at least `atLeast` seqs, SIGKILLs it, and returns what it printed. */
function runAndKill(run: number, atLeast: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, String(run)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let lines = 0;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      lines += chunk.split('\n').length - 1;
      if (lines >= atLeast && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`child ended with code ${code} and signal ${signal}: ${err}`));
        return;
      }
      // A line cut by the kill is not a printed seq.
      const complete = out.slice(0, out.lastIndexOf('\n') + 1);
      resolve(
        complete
          .split('\n')
          .filter((l) => l !== '')
          .map(Number),
      );
    });
  });
}

it('keeps every seq the killed process printed, in order, exactly once', { timeout: 60_000 }, async () => {
  const printed = [
    ...(await runAndKill(1, 3000 + Math.floor(Math.random() * 2000))),
    ...(await runAndKill(2, 3000 + Math.floor(Math.random() * 2000))),
  ];
  expect(printed.length).toBeGreaterThanOrEqual(6000);

  const wal = await Wal.open({ dir });
  const records: WalRecord[] = [];
  for (let pos = wal.committed; ;) {
    const r = await wal.read(pos, 5000);
    if (r.records.length === 0) break;
    records.push(...r.records);
    pos = r.next;
  }
  const stats = wal.stats();
  await wal.close();

  expect(stats.corruptions).toBe(0);
  expect(stats.segments).toBeGreaterThan(2);
  const seqs = records.map((r) => r.seq);
  // The log holds 1..N once each, in order, and every printed seq is among them. A killed run may have
  // appended a few records whose lines never reached the test (stdout can still hold them when the kill
  // lands), so the printed seqs are a subset, not necessarily a prefix.
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  expect(printed.every((seq, i) => i === 0 || seq > (printed[i - 1] ?? 0))).toBe(true);
  expect(printed.at(-1)).toBeLessThanOrEqual(seqs.length);
  for (const r of records) expect(JSON.parse(r.payload.toString())).toMatchObject({ v: 1 });
});
