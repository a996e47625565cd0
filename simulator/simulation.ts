import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../runtime/index.js';
import { createMemoryOutbox, createMemorySessionStore } from '../devices/index.js';
import type { Inventory } from '../protocol/index.js';
import { createFaultRunner, type FaultRunner, type InjectedFault } from './faults.js';
import { DeviceLedger } from './ledger.js';
import { LinkRelay } from './link-relay.js';
import { createRandom, seedFrom } from './prng.js';
import { matchTarget, type Scenario } from './scenario.js';
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
  /**
   * Faults and emergency bulletins to play (simulator/scenario.ts). With one, every device connects
   * through its own link relay (simulator/link-relay.ts), so the broker URL must be plain `mqtt://`.
   */
  scenario?: Scenario;
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
  /** Accepted by the agents, not yet acknowledged (waiting out an outage, or in flight). */
  pending: number;
  /** Faults injected so far, and of those on now. */
  faults: number;
  faultsActive: number;
}

/** What the run did, message by message and fault by fault: the ground truth of `--verify`. */
export interface SimulationReport {
  /** Simulation clock at start() and stop(). */
  startedAt: number;
  stoppedAt: number;
  ledgers: ReadonlyMap<string, DeviceLedger>;
  faults: readonly InjectedFault[];
  /** Devices dark (power cut) when the run stopped. */
  dark: string[];
}

export interface Simulation {
  /** Starts every device, staggered; resolves when each has made its first connection attempt. */
  start(): Promise<void>;
  /** Stops every device gracefully (retained shutdown state, clean disconnect). */
  stop(): Promise<void>;
  /**
   * Ends the scenario (no new faults; links come back, dark boxes stay dark), then waits until every
   * running device is online again with its outbox empty (replays done), at most `timeoutMs`; resolves
   * true when it is. Stopping after it is quick: an agent stopped while its link is down waits (up to
   * its stop timeout) for a shutdown state that cannot be acknowledged.
   */
  drain(timeoutMs: number): Promise<boolean>;
  stats(): SimulationStats;
  report(): SimulationReport;
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
  const ledgers = new Map<string, DeviceLedger>();
  const relays: LinkRelay[] = [];
  const linked =
    options.scenario === undefined ? new Set<string>() : linkTargets(options.scenario, options.inventory);
  const target = linked.size === 0 ? undefined : relayTarget(options.brokerUrl);
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
        const ledger = new DeviceLedger();
        ledgers.set(device.device, ledger);
        const relay = target === undefined || !linked.has(device.device) ? undefined : new LinkRelay(target);
        if (relay) relays.push(relay);
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
            // Big enough for minutes of outage at a fast heartbeat; older heartbeats are thinned beyond.
            outbox: ledger.track(createMemoryOutbox({ maxRecords: 5000 })),
            ledger,
            ...(relay && { relay }),
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
  const byId = new Map(devices.map((d) => [d.id, d]));
  let faults: FaultRunner | undefined;
  let startedAt = 0;
  let stoppedAt = 0;
  /** The end of the faults: what --verify judges them up to. Later calls wait for the first. */
  let ending: Promise<void> | undefined;
  const endScenario = () =>
    (ending ??= (async () => {
      await faults?.stop();
      stoppedAt = clock();
    })());

  return {
    async start() {
      const controller = new AbortController();
      starting = controller;
      startedAt = clock();
      ending = undefined;
      stoppedAt = 0;
      await Promise.all(relays.map((r) => r.start()));
      if (options.scenario !== undefined && faults === undefined) {
        faults = createFaultRunner({
          scenario: options.scenario,
          inventory: options.inventory,
          devices: byId,
          clock,
          random: createRandom(seedFrom('faults', options.scenario.seed ?? options.seed ?? 1)),
          logger: options.logger,
        });
        // Scenario times count from the start of the run, not from the last device's first connect.
        faults.start();
      }
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
      await endScenario();
      await Promise.all(devices.map((d) => d.stop()));
      await Promise.all(relays.map((r) => r.close()));
    },
    async drain(timeoutMs) {
      await endScenario();
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        // Every box with power back online (reconnected after its outage) and its outbox empty.
        if (devices.every((d) => d.isDark || d.isBack)) return true;
        if (performance.now() > deadline) return false;
        await sleep(100);
      }
    },
    report() {
      return {
        startedAt,
        stoppedAt: stoppedAt || clock(),
        ledgers,
        faults: faults?.log() ?? [],
        dark: devices.filter((d) => d.isDark).map((d) => d.id),
      };
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
        pending: 0,
        faults: faults?.log().length ?? 0,
        faultsActive: faults?.active() ?? 0,
      };
      for (const device of devices) {
        const s = device.stats();
        if (s.online) total.online += 1;
        total.sent += s.sent;
        total.acked += s.acked;
        total.refused += s.refused;
        total.failed += s.failed;
        total.dropped += s.dropped;
        total.pending += s.pending;
      }
      return total;
    },
  };
}

/** Where the link relays connect: the broker's host and port, which must be plain MQTT over TCP. */
function relayTarget(brokerUrl: string): { host: string; port: number } {
  const url = new URL(brokerUrl);
  if (url.protocol !== 'mqtt:') {
    throw new SimulationConfigError(
      `a scenario needs a plain mqtt:// broker URL (its faults cut each device's TCP link), not ${url.protocol}//`,
    );
  }
  return { host: url.hostname, port: Number(url.port) || 1883 };
}

/** Kinds of fault that act on the device's link, so need its relay. */
const LINK_FAULTS = new Set(['power_cut', 'link_drop', 'flapping', 'malformed', 'impersonate']);

/** The devices a scenario may cut off or speak through: only they connect through a relay. */
function linkTargets(scenario: Scenario, inventory: Inventory): Set<string> {
  const out = new Set<string>();
  for (const rule of [...scenario.faults, ...scenario.random]) {
    if (!LINK_FAULTS.has(rule.kind) || !('target' in rule)) continue;
    // `pick` chooses among the matches when the fault comes: any of them may be hit.
    for (const d of matchTarget(inventory, rule.target)) out.add(d.device);
  }
  return out;
}
