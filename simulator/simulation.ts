import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { createMemorySessionStore } from '../devices/index.js';
import type { Inventory } from '../protocol/index.js';
import { VirtualDevice } from './virtual-device.js';

export interface SimulationOptions {
  brokerUrl: string;
  inventory: Inventory;
  /** Plain secrets by device id (the generator's `secrets.json`); every monitored device needs one. */
  secrets: Readonly<Record<string, string>>;
  /**
   * Heartbeat interval of every virtual device, in seconds (fractions allowed); by default each
   * device's inventory `heartbeat_s`. The coverage engine judges liveness by the inventory's value.
   */
  heartbeatS?: number;
  logger: Logger;
  /** The devices' clock; real time by default. */
  clock?: () => number;
  /** Starts are spread evenly over this many ms; by default one heartbeat, at most 10 s. */
  startSpreadMs?: number;
  /** A cluster checks for a finished broadcast window to log every this many heartbeats (default 5). */
  broadcastEvery?: number;
  /** Seeds the virtual hardware's measurements and broadcast outcomes (default 1). */
  seed?: number;
  /** Reconnect backoff of every agent. */
  reconnect?: { minMs: number; maxMs: number };
}

export interface SimulationStats {
  /** Monitored devices simulated. */
  devices: number;
  /** Devices born on their current connection. */
  online: number;
  /** Messages handed to the broker connection, and of those acknowledged. */
  sent: number;
  acked: number;
  /** Refused by the schema, failed or dropped: should stay 0 in a healthy run. */
  refused: number;
  failed: number;
  dropped: number;
}

export interface Simulation {
  /** Starts every device, staggered; resolves when each has made its first connection attempt. */
  start(): Promise<void>;
  /** Stops every device gracefully (retained shutdown state, clean disconnect). */
  stop(): Promise<void>;
  stats(): SimulationStats;
}

export class SimulationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationConfigError';
  }
}

/**
 * Runs one real agent (devices/) per monitored device of an inventory; FM and wired clusters cannot
 * report and are not simulated. Creating it does no I/O.
 */
export function createSimulation(options: SimulationOptions): Simulation {
  const clock = options.clock ?? Date.now;
  const broadcastEvery = options.broadcastEvery ?? 5;
  if (!Number.isInteger(broadcastEvery) || broadcastEvery < 1) {
    throw new SimulationConfigError('broadcastEvery must be a whole number of heartbeats, at least 1');
  }
  if (options.heartbeatS !== undefined && !(options.heartbeatS > 0)) {
    throw new SimulationConfigError('heartbeatS must be positive');
  }
  const devices: VirtualDevice[] = [];
  let shortestHeartbeatS = Infinity;
  const missing: string[] = [];
  for (const province of options.inventory.provinces) {
    for (const commune of province.communes) {
      for (const device of commune.devices) {
        if (!device.monitored) continue;
        const secret = options.secrets[device.device];
        if (secret === undefined) {
          missing.push(device.device);
          continue;
        }
        const heartbeatS = options.heartbeatS ?? device.heartbeatS;
        shortestHeartbeatS = Math.min(shortestHeartbeatS, heartbeatS);
        devices.push(
          new VirtualDevice({
            device,
            commune,
            timeZone: province.timezone,
            brokerUrl: options.brokerUrl,
            secret,
            heartbeatS,
            broadcastEvery,
            // The session counter outlives agents: a virtual device restarted (by a later fault, or a
            // new start()) goes on counting, as the file on a real box would.
            sessions: createMemorySessionStore(),
            clock,
            logger: options.logger,
            seed: options.seed ?? 1,
            ...(options.reconnect && { reconnect: options.reconnect }),
          }),
        );
      }
    }
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ');
    throw new SimulationConfigError(
      `no secret for ${missing.length} monitored device(s): ${shown}${missing.length > 5 ? ', …' : ''}`,
    );
  }

  const spread = options.startSpreadMs ?? Math.min(shortestHeartbeatS * 1000, 10_000);
  let starting: AbortController | undefined;

  return {
    async start() {
      const controller = new AbortController();
      starting = controller;
      const gap = devices.length > 1 ? spread / devices.length : 0;
      const begin = performance.now();
      const started: Promise<void>[] = [];
      // Staggered, so a province of thousands does not hit the broker (and its scrypt checks) at once.
      // One timer at a time, aimed at each start's due time, so that sub-millisecond gaps do not add up.
      for (const [i, device] of devices.entries()) {
        const wait = begin + i * gap - performance.now();
        try {
          if (wait >= 1) await sleep(wait, undefined, { signal: controller.signal });
        } catch {
          break; // stop() came first
        }
        if (controller.signal.aborted) break;
        started.push(device.start());
      }
      await Promise.all(started);
    },
    async stop() {
      starting?.abort();
      starting = undefined;
      await Promise.all(devices.map((d) => d.stop()));
    },
    stats() {
      const total: SimulationStats = {
        devices: devices.length,
        online: 0,
        sent: 0,
        acked: 0,
        refused: 0,
        failed: 0,
        dropped: 0,
      };
      for (const device of devices) {
        const s = device.stats();
        if (s.online) total.online += 1;
        total.sent += s.sent;
        total.acked += s.acked;
        total.refused += s.refused;
        total.failed += s.failed;
        total.dropped += s.dropped;
      }
      return total;
    },
  };
}
