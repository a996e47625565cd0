// Vitest global setup for the `integration` project: one private influxd for the whole run, on a free
// port with a throw-away data folder. Each test file creates its own database (see influx-helpers.ts),
// so files running in parallel never see each other's points.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { createInfluxdServer } from '../influx/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the run's private InfluxDB 1.x, e.g. `http://127.0.0.1:40123`. */
    influxUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loa-influxd-'));
  // Warnings and errors only, to stderr, so influxd trouble shows up next to the failing tests.
  const logger = pino({ name: 'influxd-global-setup', level: 'warn' }, pino.destination(2));
  const server = createInfluxdServer({ dataDir, logger });
  try {
    const { url } = await server.start();
    project.provide('influxUrl', url);
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
