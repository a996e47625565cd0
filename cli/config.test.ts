import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './config.js';
import { COVERAGE_DEFAULTS } from '../coverage/index.js';
import { INGEST_DEFAULTS } from '../ingest/index.js';
import { upConfigSchema } from './schema.js';
import { ingestTuning } from './storage.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('defaults ← file ← LOA_* environment ← flags', async () => {
  const file = join(dir, 'loa.yaml');
  await writeFile(file, 'mqtt: { port: 1884 }\ningest: { batchSize: 1000, flushIntervalMs: 500 }\n');
  const config = resolveConfig(upConfigSchema, {
    file,
    env: { LOA_INGEST_BATCH_SIZE: '2000', LOA_HTTP_PORT: '9000' },
    flags: { http: { port: 9100 }, mqtt: { host: undefined } },
  });
  expect(config.mqtt).toEqual({ host: '127.0.0.1', port: 1884 });
  expect(config.ingest.batchSize).toBe(2000);
  expect(config.ingest.flushIntervalMs).toBe(500);
  expect(config.http.port).toBe(9100);
  expect(config.influx.database).toBe('loa');
});

it('a bad value names the file and the field', async () => {
  const file = join(dir, 'bad.yaml');
  await writeFile(file, 'mqtt: { port: "x" }\n');
  expect(() => resolveConfig(upConfigSchema, { file, env: {}, flags: {} })).toThrow(
    new RegExp(`${file}: mqtt\\.port: .*LOA_MQTT_PORT`),
  );
});

it('offers a flag only for the settings that have one', async () => {
  const file = join(dir, 'no-flag.yaml');
  await writeFile(file, 'mqtt: { port: "x" }\nsimulation: { seed: "x" }\n');
  const message = (() => {
    try {
      resolveConfig(upConfigSchema, { file, env: {}, flags: { mqtt: { port: undefined } } });
    } catch (error) {
      return (error as Error).message;
    }
  })();
  expect(message).toContain(`${file}: mqtt.port: `);
  expect(message).toMatch(/mqtt\.port: .*\(set in the file, by LOA_MQTT_PORT, or by its flag\)/);
  expect(message).toMatch(/simulation\.seed: .*\(set in the file, or by LOA_SIMULATION_SEED\)/);
});

it('an unknown key is refused, not ignored', async () => {
  const file = join(dir, 'typo.yaml');
  await writeFile(file, 'ingest: { batchsize: 10 }\nmqtt_port: 1\n');
  expect(() => resolveConfig(upConfigSchema, { file, env: {}, flags: {} })).toThrow(ConfigError);
  expect(() => resolveConfig(upConfigSchema, { file, env: {}, flags: {} })).toThrow(
    /typo\.yaml: ingest\.batchsize: unknown setting[\s\S]*typo\.yaml: mqtt_port: unknown setting/,
  );
});

it('a file that is not YAML, or missing, is named', () => {
  expect(() => resolveConfig(upConfigSchema, { file: join(dir, 'none.yaml'), env: {}, flags: {} })).toThrow(
    /none\.yaml: cannot read/,
  );
});

it("the configuration's ingest defaults are the ingest's own (one place: ingest/defaults.ts)", () => {
  const config = resolveConfig(upConfigSchema, { flags: {}, env: {} });
  const { retentionMs: _, ...tuning } = ingestTuning(config.ingest, config.influx);
  expect(tuning).toEqual({
    batchSize: INGEST_DEFAULTS.batchSize,
    flushIntervalMs: INGEST_DEFAULTS.flushIntervalMs,
    maxBufferedPoints: INGEST_DEFAULTS.maxBufferedPoints,
    walMaxBytes: INGEST_DEFAULTS.walMaxBytes,
    fsyncIntervalMs: INGEST_DEFAULTS.fsyncIntervalMs,
  });
});

it("the configuration's coverage defaults are the engine's own (one place: coverage/defaults.ts)", () => {
  const { coverage } = resolveConfig(upConfigSchema, { flags: {}, env: {} });
  expect({
    evaluateEveryMs: coverage.evaluateEveryS * 1000,
    reconnectSpreadMs: coverage.reconnectSpreadS * 1000,
    stoppedPageAfterMs: coverage.stoppedPageAfterS * 1000,
    placeAlertAfterMs: coverage.hamletAlertAfterS * 1000,
    webhookDigestAbove: coverage.webhookDigestAbove,
  }).toEqual(COVERAGE_DEFAULTS);
});
