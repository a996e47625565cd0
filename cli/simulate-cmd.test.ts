import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InventoryError, loadInventory } from '../protocol/index.js';
import { messages } from '../i18n/index.js';
import { DeviceLedger } from '../simulator/index.js';
import { ConfigError, resolveConfig } from './config.js';
import { simulateGenerateConfigSchema, simulateRunConfigSchema } from './schema.js';
import {
  defaultSecretsFile,
  formatSimulationStatus,
  formatSimulationSummary,
  formatVerification,
  readSecretsFile,
  runSimulate,
  runSimulateGenerate,
} from './simulate-cmd.js';

async function runQuietly(action: () => Promise<void>): Promise<void> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await action();
  } finally {
    write.mockRestore();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-simulate-cmd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STATS = {
  devices: 3,
  online: 2,
  sent: 1234,
  acked: 1230,
  refused: 0,
  failed: 0,
  dropped: 0,
  pending: 0,
  faults: 0,
  faultsActive: 0,
};

const en = messages('en');

describe('progress and summary', () => {
  it('in Vietnamese by default, with Vietnamese numbers', () => {
    expect(formatSimulationStatus({ ...STATS, faults: 3, faultsActive: 1, pending: 12 }, 1520.4)).toBe(
      '2/3 thiết bị trực tuyến · 1.520 bản ghi/s · 1 sự cố đang diễn ra · 1.234 đã gửi · 1.230 đã xác nhận · 12 đang chờ gửi',
    );
    expect(formatSimulationSummary({ ...STATS, refused: 1, failed: 3 })).toBe(
      'mô phỏng đã dừng: 1.234 đã gửi, 1.230 đã xác nhận, 1 bị từ chối, 3 lỗi gửi, 0 bị bỏ (3 thiết bị)',
    );
    expect(formatVerification({ ok: false, held: ['a held'], problems: ['b missing'] })).toBe(
      '  đạt  a held\n  LỖI  b missing\nkiểm tra: KHÔNG ĐẠT (1 lỗi: xem các dòng trên)\n',
    );
  });

  it('one line: devices online, sent, acked; problems only when there are some', () => {
    expect(formatSimulationStatus(STATS, undefined, en)).toBe(
      '2/3 devices online · 1,234 sent · 1,230 acked',
    );
    expect(formatSimulationStatus({ ...STATS, failed: 2, dropped: 1 }, undefined, en)).toBe(
      '2/3 devices online · 1,234 sent · 1,230 acked · 2 failed · 1 dropped',
    );
  });

  it('with a rate and a scenario: messages per second, faults active, messages queued', () => {
    expect(formatSimulationStatus({ ...STATS, faults: 3, faultsActive: 1, pending: 12 }, 1520.4, en)).toBe(
      '2/3 devices online · 1,520 msg/s · 1 fault active · 1,234 sent · 1,230 acked · 12 queued',
    );
  });

  it('the summary counts sent, acknowledged, refused and failed', () => {
    expect(formatSimulationSummary({ ...STATS, refused: 1, failed: 3 }, undefined, en)).toBe(
      'simulation stopped: 1,234 sent, 1,230 acknowledged, 1 refused, 3 failed, 0 dropped (3 devices)',
    );
  });

  it('after a scenario: what InfluxDB should hold, and the faults injected', () => {
    const ledger = new DeviceLedger();
    const at = 1_750_000_000_000;
    ledger.acked.push(
      { channel: 'heartbeat', time: at, label: '0', skewMs: 0, at },
      { channel: 'heartbeat', time: at + 1000, label: '1', skewMs: 0, at },
      { channel: 'event', time: at, label: 'amp_fault', skewMs: 0, at },
      // Ten minutes ahead: the ingest refuses it (ts_future).
      { channel: 'heartbeat', time: at + 600_000, label: '2', skewMs: 600_000, at },
    );
    const summary = formatSimulationSummary(
      { ...STATS, pending: 2, faults: 2 },
      {
        startedAt: at,
        stoppedAt: at + 60_000,
        ledgers: new Map([['vinh-an-c01', ledger]]),
        faults: [
          { kind: 'amp_fault', devices: ['vinh-an-c01'], start: at },
          { kind: 'clock_skew', devices: ['vinh-an-c01'], start: at },
        ],
        dark: [],
      },
      en,
    );
    expect(summary.split('\n').slice(1)).toEqual([
      '  expected in InfluxDB: 3 points (heartbeat 2 · broadcast 0 · event 1), besides presence; ' +
        '1 to be refused by the ingest; 2 still queued',
      '  faults injected: amp_fault ×1, clock_skew ×1',
    ]);
  });

  it('the verification: one line per check, and the verdict', () => {
    expect(formatVerification({ ok: false, held: ['a held'], problems: ['b missing'] }, en)).toBe(
      '  ok      a held\n  FAILED  b missing\nverify: FAILED (1 problem: see the lines above)\n',
    );
    expect(formatVerification({ ok: true, held: ['a held'], problems: [] }, en)).toBe(
      '  ok      a held\nverify: passed\n',
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
    expect(printed).toContain('đã tạo An Giang: 2 đơn vị cấp xã, 4 thiết bị (4 được giám sát)');
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
    expect(config.simulation).toEqual({ heartbeatS: 0.5, seed: 1, reconnectMaxS: 15 });
    expect(() =>
      resolveConfig(simulateRunConfigSchema, {
        env: {},
        flags: { broker: { url: 'localhost' }, inventory: 'i' },
      }),
    ).toThrow(/broker\.url: must be a URL such as mqtt:/);
  });

  it('a bad scenario stops the run before it connects, naming the file, the line and the field', async () => {
    const out = join(dir, 'scenario-sim');
    await runQuietly(() =>
      runSimulateGenerate(
        resolveConfig(simulateGenerateConfigSchema, {
          env: {},
          flags: { out, simulation: { communes: 1, hamletsPerCommune: 1, clustersPerHamlet: 1, fmShare: 0 } },
        }),
      ),
    );
    const scenario = join(dir, 'bad-scenario.yaml');
    await writeFile(
      scenario,
      'faults:\n  - at: 2s\n    kind: link_drop\n    for: 10s\n    target: { commune: nowhere }\n',
    );
    const config = resolveConfig(simulateRunConfigSchema, {
      env: {},
      // Nothing listens there: the scenario must be refused before any connection is tried.
      flags: { broker: { url: 'mqtt://127.0.0.1:1' }, inventory: join(out, 'inventory'), scenario },
    });
    const run = runSimulate(config);
    await expect(run).rejects.toThrow(InventoryError);
    await expect(run).rejects.toThrow(
      `${scenario}:5: faults[0].target.commune: "nowhere" is not a commune of the inventory`,
    );
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
