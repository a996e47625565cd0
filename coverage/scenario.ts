// Test support: drives an engine with scripted messages and a controllable clock (no timers).
import type { Channel, Inventory, MessageOf } from '../protocol/index.js';
import { silentLogger } from '../runtime/index.js';
import type { Alert } from './alert.js';
import { createCoverageEngine, type CoverageEngineOptions } from './engine.js';
import type { AlertSink } from './sinks.js';

export function memorySink(): AlertSink & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return {
    alerts,
    deliver(alert) {
      alerts.push(alert);
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

/**
 * A scripted fleet: `alive` devices send a heartbeat every `heartbeatMs`; `advance` moves the clock
 * in evaluation steps, as the engine's timer would.
 */
export function createScenario(
  inventory: Inventory,
  start: number,
  extra: Partial<CoverageEngineOptions> = {},
) {
  let t = start;
  const sink = memorySink();
  const lines: string[] = [];
  const options: CoverageEngineOptions = {
    inventory,
    logger: silentLogger(),
    now: () => t,
    sinks: [sink],
    store: { write: (l) => lines.push(...l) },
    ...extra,
  };
  let engine = createCoverageEngine(options);
  const alive = new Set<string>();
  const seq = new Map<string, number>();
  const heartbeatMs = 60_000;
  const lastBeat = new Map<string, number>();
  const heartbeatFields = new Map<string, Partial<MessageOf['heartbeat']>>();

  function send<C extends Channel>(device: string, channel: C, message: MessageOf[C]): void {
    engine.observe(device, channel, message, t);
  }
  function beat(device: string, over: Partial<MessageOf['heartbeat']> = {}): void {
    const n = (seq.get(device) ?? 0) + 1;
    seq.set(device, n);
    lastBeat.set(device, t);
    const fields = { ...heartbeatFields.get(device), ...over };
    send(device, 'heartbeat', {
      v: 1,
      ts: t,
      seq: n,
      uptime_s: n * 60,
      power: 'mains',
      amp: 'on',
      ...fields,
    });
  }
  return {
    get engine() {
      return engine;
    },
    /** An inventory reload: a new engine takes over from the current one, as `loa up` does. */
    reload(next: Inventory): void {
      const successor = createCoverageEngine({ ...options, inventory: next, previous: engine });
      void successor.start();
      engine = successor;
    },
    sink,
    lines,
    /** Whether a coverage line starting with `prefix` and containing `fragment` was written. */
    wrote(prefix: string, fragment: string): boolean {
      return lines.some((l) => l.startsWith(prefix) && l.includes(fragment));
    },
    now: () => t,
    send,
    beat,
    /** Devices that keep sending heartbeats while the clock advances. */
    alive,
    /** Fields a device's heartbeats carry from now on (power, amp, relay…). */
    heartbeatFields,
    /** Moves the clock by `ms`, heartbeating the alive devices and evaluating every `stepMs`. */
    advance(ms: number, stepMs = 5000): void {
      const end = t + ms;
      while (t < end) {
        t = Math.min(end, t + stepMs);
        for (const d of alive) if (t - (lastBeat.get(d) ?? 0) >= heartbeatMs) beat(d);
        engine.tick();
      }
    },
    fired(kind?: string): Alert[] {
      return sink.alerts.filter((a) => a.state === 'firing' && (kind === undefined || a.kind === kind));
    },
    resolved(kind?: string): Alert[] {
      return sink.alerts.filter((a) => a.state === 'resolved' && (kind === undefined || a.kind === kind));
    },
  };
}

/** A scenario whose `devices` booted at `start`, heartbeat from then on, and were evaluated once. */
export function runningScenario(
  inventory: Inventory,
  start: number,
  devices: readonly string[],
  extra: Partial<CoverageEngineOptions> = {},
) {
  const s = createScenario(inventory, start, extra);
  for (const d of devices) {
    s.alive.add(d);
    s.send(d, 'state', { v: 1, ts: start, online: true, session: 1, reason: 'boot' });
    s.beat(d);
  }
  s.engine.tick();
  return s;
}
