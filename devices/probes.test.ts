import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfiguredProbe, probesConfigSchema, type ProbesConfig } from './index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function fakeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'loa-probe-'));
  dirs.push(root);
  await mkdir(join(root, 'proc'));
  await writeFile(join(root, 'proc', 'uptime'), '12345.67 23456.78\n');
  for (const [zone, milli] of [
    ['thermal_zone0', '41500'],
    ['thermal_zone1', '47250'],
  ] as const) {
    await mkdir(join(root, 'sys', 'class', 'thermal', zone), { recursive: true });
    await writeFile(join(root, 'sys', 'class', 'thermal', zone, 'temp'), `${milli}\n`);
  }
  return root;
}

function recordingLogger() {
  const lines: { msg: string; field?: string }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { msg: string; field?: string }) },
  );
  return { logger, lines };
}

const config = (input: unknown): ProbesConfig => probesConfigSchema.parse(input);

describe('configured probes', () => {
  it('reads uptime and the hottest thermal zone, and fields from commands and files', async () => {
    const root = await fakeRoot();
    await writeFile(join(root, 'mains'), '2215\n');
    await writeFile(join(root, 'relay'), 'RELAY=0\n');
    const probe = createConfiguredProbe(
      config({
        linux: true,
        mains_v: { file: join(root, 'mains'), scale: 0.1 },
        relay: { file: join(root, 'relay'), pattern: 'RELAY=(\\d)', map: { '0': 'ok', '1': 'tripped' } },
        rssi_dbm: {
          exec: "printf 'modem.signal.lte.rssi : -71.00\\n'",
          pattern: 'lte.rssi\\s*:\\s*(-?[\\d.]+)',
        },
        power: { exec: 'echo battery' },
        playing: { exec: 'echo 1' },
      }),
      { logger: pino({ level: 'silent' }), root },
    );
    expect(await probe()).toEqual({
      uptime_s: 12345.67,
      temp_c: 47.25,
      mains_v: 221.5,
      relay: 'ok',
      rssi_dbm: -71,
      power: 'battery',
      amp: 'on',
      playing: true,
    });
  });

  it('leaves a failing field out, logs it once, logs its recovery, and never fails the heartbeat', async () => {
    const root = await fakeRoot();
    const file = join(root, 'amp');
    const { logger, lines } = recordingLogger();
    const probe = createConfiguredProbe(
      config({
        amp: { file },
        battery_v: { exec: 'exit 3' },
        volume_pct: { exec: 'echo 150' }, // out of the schema's range
        temp_c: { exec: 'sleep 5', timeoutMs: 50 },
      }),
      { logger, root },
    );
    const first = await probe();
    expect(first).toMatchObject({ power: 'mains', amp: 'on' }); // required fields fall back
    expect(first).not.toHaveProperty('battery_v');
    expect(first).not.toHaveProperty('volume_pct');
    expect(first).not.toHaveProperty('temp_c');
    await probe();
    const failed = lines.filter((l) => l.msg === 'probe failed; field left out').map((l) => l.field);
    expect(failed.sort()).toEqual(['amp', 'battery_v', 'temp_c', 'volume_pct']);

    await writeFile(file, 'fault\n');
    expect(await probe()).toMatchObject({ amp: 'fault' });
    expect(lines.filter((l) => l.msg === 'probe recovered').map((l) => l.field)).toEqual(['amp']);
  });

  it('refuses a source with both or neither of exec and file, and a bad pattern, naming the field', () => {
    const problems = probesConfigSchema.safeParse({
      amp: { exec: 'x', file: 'y' },
      relay: {},
      temp_c: { file: 'x', pattern: '(' },
    });
    expect(problems.success).toBe(false);
    expect(problems.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'amp',
      'relay',
      'temp_c.pattern',
    ]);
  });
});
