import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../i18n/index.js';
import { spawnLoa } from '../test/cli-process.js';
import { ConfigError } from './config.js';
import { chooseLang } from './lang.js';
import { startBanner } from './up-banner.js';
import { formatStatus } from './status-line.js';

/** `loa ARGS` as a user runs it, with no language chosen unless `env` says: exit code and output. */
async function loa(args: string[], env: Record<string, string> = {}) {
  const p = spawnLoa(args, { LOA_LANG: '', ...env });
  const code = await p.exit();
  return { code, output: p.output() };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-lang-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('choosing the language', () => {
  it('flag over LOA_LANG over the file, Vietnamese when none is given', async () => {
    const file = join(dir, 'en.yaml');
    await writeFile(file, 'lang: en\nout: x\n');
    expect(chooseLang({})).toBe('vi');
    expect(chooseLang({ file })).toBe('en');
    expect(chooseLang({ env: 'vi', file })).toBe('vi');
    expect(chooseLang({ flag: 'en', env: 'vi', file })).toBe('en');
    expect(chooseLang({ env: '' })).toBe('vi');
  });

  it('an unknown language names where it came from', async () => {
    const file = join(dir, 'fr.yaml');
    await writeFile(file, 'lang: fr\n');
    expect(() => chooseLang({ flag: 'fr' })).toThrow(
      new ConfigError('--lang: unknown language "fr" (known: vi, en)'),
    );
    expect(() => chooseLang({ env: 'de' })).toThrow('LOA_LANG: unknown language "de"');
    expect(() => chooseLang({ file })).toThrow(`${file}: lang: unknown language "fr"`);
  });

  it('`loa … --lang fr` is one line on stderr and exit 2, before or after the command', async () => {
    for (const args of [
      ['--lang', 'fr', 'simulate', 'generate', '--out', join(dir, 'never')],
      ['simulate', 'generate', '--lang', 'fr', '--out', join(dir, 'never')],
    ]) {
      const r = await loa(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.output).toBe('loa: --lang: unknown language "fr" (known: vi, en)\n');
    }
  }, 30_000);

  it('the agent, which writes only logs, takes no --lang and ignores LOA_LANG', async () => {
    expect((await loa(['agent', '--help'])).output).not.toContain('--lang');
    // It reaches its own configuration, not a complaint about the language.
    const r = await loa(['agent', '--config', join(dir, 'none.yaml')], { LOA_LANG: 'xx' });
    expect(r.output).toBe(
      `loa: ${join(dir, 'none.yaml')}: cannot read: ENOENT: no such file or directory, open '${join(dir, 'none.yaml')}'\n`,
    );
  }, 30_000);

  it('the command writes in the language chosen by flag, variable or file', async () => {
    const out = join(dir, 'sim');
    const base = [
      'simulate',
      'generate',
      '--out',
      out,
      ...'--communes 1 --hamlets 1 --clusters 1'.split(' '),
    ];
    expect((await loa(base)).output).toMatch(/^đã tạo An Giang: 1 đơn vị cấp xã, 2 thiết bị/);
    expect((await loa([...base, '--lang', 'en'])).output).toMatch(
      /^generated An Giang: 1 commune, 2 devices/,
    );
    expect((await loa(base, { LOA_LANG: 'en' })).output).toMatch(/^generated An Giang/);
    const file = join(dir, 'gen.yaml');
    await writeFile(file, `lang: en\nout: ${out}\n`);
    expect((await loa(['simulate', 'generate', '--config', file])).output).toMatch(/^generated /);
  }, 60_000);
});

describe("`loa up`'s own lines", () => {
  const addresses = {
    provinces: ['An Giang'],
    devices: 1892,
    brokerUrl: 'mqtt://127.0.0.1:1883',
    influxUrl: 'http://127.0.0.1:8086',
    database: 'loa',
    httpUrl: 'http://127.0.0.1:9464',
    dataDir: '/var/lib/loa',
  };

  it('the start banner, in both languages', () => {
    expect(startBanner(addresses, messages('vi')).split('\n')).toEqual([
      'Loa đã chạy: An Giang — 1.892 thiết bị trong danh mục',
      '  broker   mqtt://127.0.0.1:1883',
      '  influxdb http://127.0.0.1:8086  (cơ sở dữ liệu "loa")',
      '  chỉ số   http://127.0.0.1:9464/metrics   tình trạng http://127.0.0.1:9464/healthz',
      '  dữ liệu  /var/lib/loa',
      '',
    ]);
    expect(
      startBanner({ ...addresses, wsUrl: 'ws://127.0.0.1:8080/mqtt' }, messages('en')).split('\n'),
    ).toEqual([
      'Loa is up: An Giang — 1,892 devices in the inventory',
      '  broker    mqtt://127.0.0.1:1883',
      '  websocket ws://127.0.0.1:8080/mqtt',
      '  influxdb  http://127.0.0.1:8086  (database "loa")',
      '  metrics   http://127.0.0.1:9464/metrics   health http://127.0.0.1:9464/healthz',
      '  data      /var/lib/loa',
      '',
    ]);
  });

  it('the live status line', () => {
    const reading = {
      received: 0,
      written: 12345,
      rejected: 2,
      buffered: 300,
      spilling: true,
      devicesOnline: 1363,
    };
    expect(formatStatus(reading, 22.6, messages('vi'))).toBe(
      '1.363 thiết bị trực tuyến · 23 bản ghi/s · 12.345 điểm dữ liệu đã lưu · 2 bị từ chối · 300 đang chờ ghi · InfluxDB chậm, đang ghi lại từ đĩa',
    );
    expect(formatStatus({ ...reading, spilling: false }, 22.6, messages('en'))).toBe(
      '1,363 devices online · 23 msg/s · 12,345 points stored · 2 rejected · 300 buffered',
    );
  });
});
