// Bad input to `loa report` is the user's to fix: one clear line naming the flag, exit 2, before any
// record or database is opened (so these run without a platform).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnLoa } from '../test/cli-process.js';
import { reportRequest } from './report-cmd.js';

let data: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'loa-report-'));
});
afterAll(async () => {
  await rm(data, { recursive: true, force: true });
});

async function report(...args: string[]) {
  const p = spawnLoa(['report', '--data', data, ...args]);
  const code = await p.exit();
  return { code, output: p.output().trim() };
}

describe('loa report refuses bad input with one line and exit 2', () => {
  it.each([
    [['--year', '20x6'], 'loa: --year must be YYYY, not "20x6"'],
    [['--at', '2026-02-30'], 'loa: --at must be YYYY-MM-DD, not "2026-02-30"'],
    [['--at', '2999-01-01'], 'loa: --at 2999-01-01 is in the future'],
    [['--month', '2026-13'], 'loa: --month must be YYYY-MM, not "2026-13"'],
    [['--year', '2026', '--format', 'pdf'], 'loa: --format must be one of'],
    [
      ['--year', '2026', '--month', '2026-06'],
      'loa: give one of --month YYYY-MM, --year YYYY or --at YYYY-MM-DD',
    ],
  ])('%j', async (args, message) => {
    const r = await report(...args);
    expect(r.code).toBe(2);
    expect(r.output.split('\n')).toHaveLength(1);
    expect(r.output).toContain(message);
  });
});

describe('the request the flags name', () => {
  it('--at is one day; --csv and --json stay as the formats they name', () => {
    expect(reportRequest({ at: '2026-06-14', data }, 0)).toMatchObject({ kind: 'day', format: 'markdown' });
    expect(reportRequest({ year: '2026', csv: true, data })).toMatchObject({ kind: 'year', format: 'csv' });
    expect(reportRequest({ month: '2026-06', format: 'json', data })).toMatchObject({ format: 'json' });
  });
});
