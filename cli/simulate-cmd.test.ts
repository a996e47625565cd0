import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadInventory } from '../protocol/index.js';
import { ConfigError, resolveConfig } from './config.js';
import { simulateGenerateConfigSchema, simulateRunConfigSchema } from './schema.js';
import {
  defaultSecretsFile,
  formatSimulationStatus,
  formatSimulationSummary,
  readSecretsFile,
  runSimulateGenerate,
} from './simulate-cmd.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-simulate-cmd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STATS = { devices: 3, online: 2, sent: 1234, acked: 1230, refused: 0, failed: 0, dropped: 0 };

describe('progress and summary', () => {
  it('one line: devices online, sent, acked; problems only when there are some', () => {
    expect(formatSimulationStatus(STATS)).toBe('2/3 devices online · 1,234 sent · 1,230 acked');
    expect(formatSimulationStatus({ ...STATS, failed: 2, dropped: 1 })).toBe(
      '2/3 devices online · 1,234 sent · 1,230 acked · 2 failed · 1 dropped',
    );
  });

  it('the summary counts sent, acknowledged, refused and failed', () => {
    expect(formatSimulationSummary({ ...STATS, refused: 1, failed: 3 })).toBe(
      'simulation stopped: 1,234 sent, 1,230 acknowledged, 1 refused, 3 failed, 0 dropped (3 devices)',
    );
  });
});

describe('loa simulate generate', () => {
  it('writes a province that loads, and the secrets of its monitored devices', async () => {
    const out = join(dir, 'sim');
    const config = resolveConfig(simulateGenerateConfigSchema, {
      env: {},
      flags: { out, simulation: { communes: 2, hamletsPerCommune: 1, clustersPerHamlet: 1, fmShare: 0 } },
    });
    let printed = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    try {
      await runSimulateGenerate(config);
    } finally {
      write.mockRestore();
    }
    expect(printed).toContain('generated An Giang: 2 communes, 4 devices (4 monitored)');
    const inventory = await loadInventory(join(out, 'inventory'));
    expect(inventory.provinces.map((p) => p.id)).toEqual(['an-giang']);
    const secrets = await readSecretsFile(defaultSecretsFile(join(out, 'inventory')));
    expect(Object.keys(secrets).sort()).toEqual([...inventory.allDevices()].map((d) => d.device).sort());
  });

  it('a bad flag names the field and its variable', () => {
    expect(() =>
      resolveConfig(simulateGenerateConfigSchema, {
        env: {},
        flags: { out: 'x', province: { id: 'An Giang' }, simulation: { heartbeatS: 1 } },
      }),
    ).toThrow(
      /province\.id: must be a lowercase slug[^\n]*\n.*simulation\.heartbeatS: .*LOA_SIMULATION_HEARTBEAT_S/,
    );
  });
});

describe('loa simulate run', () => {
  it('takes fractions of a second as heartbeat, and needs a broker URL', () => {
    const config = resolveConfig(simulateRunConfigSchema, {
      env: {},
      flags: { broker: { url: 'mqtt://127.0.0.1:1883' }, inventory: 'inv', simulation: { heartbeatS: 0.5 } },
    });
    expect(config.simulation).toEqual({ heartbeatS: 0.5, seed: 1 });
    expect(() =>
      resolveConfig(simulateRunConfigSchema, {
        env: {},
        flags: { broker: { url: 'localhost' }, inventory: 'i' },
      }),
    ).toThrow(/broker\.url: must be a URL such as mqtt:/);
  });

  it('the secrets file is named when it is missing, not JSON, or not a map of secrets', async () => {
    await expect(readSecretsFile(join(dir, 'none.json'))).rejects.toThrow(/none\.json: cannot read/);
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, 'device: secret\n');
    await expect(readSecretsFile(notJson)).rejects.toThrow(new RegExp(`${notJson}: not valid JSON`));
    const wrong = join(dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ 'vinh-an-c01': 42 }));
    await expect(readSecretsFile(wrong)).rejects.toThrow(ConfigError);
    await expect(readSecretsFile(wrong)).rejects.toThrow(/at vinh-an-c01/);
    expect(await readFile(wrong, 'utf8')).toContain('42');
  });
});
