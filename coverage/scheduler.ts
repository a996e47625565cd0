import type { Channel, MessageOf } from '../protocol/index.js';
import type { Evaluation } from './evaluate.js';
import type { CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/** Deadline wake-ups (see `nextDeviceDeadline`) come at most this often. */
const MIN_TICK_SPACING_MS = 200;

export interface SchedulerOptions {
  model: CoverageModel;
  state: FleetState;
  ev: Evaluation;
  now: () => number;
  /** The engine's evaluation and what follows it. */
  tick: () => void;
  /** How often the fleet is evaluated at least. */
  everyMs: number;
  /** The device_offline rule's wait. */
  offlineFireAfterMs: number;
}

/**
 * When the engine evaluates: every `everyMs`, and earlier when a device's device_offline alert
 * becomes due, so that a death is announced within 3 heartbeats + 10 s (docs/design.md#targets) and
 * not up to an evaluation period later.
 */
export class TickScheduler {
  private timer: NodeJS.Timeout | undefined;
  /** When the next scheduled evaluation runs (engine time); Infinity while stopped. */
  private wakeAt = Infinity;

  constructor(private readonly o: SchedulerOptions) {}

  /** Runs a tick now, then keeps ticking. */
  start(): void {
    this.scheduled();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
  }

  /** An accepted message: one that can put its device down at once wakes the engine when that is due. */
  observed(channel: Channel, message: MessageOf[Channel], receivedAt: number): void {
    if (mayTakeDown(channel, message)) this.wakeBy(receivedAt + this.o.offlineFireAfterMs + 1);
  }

  /** Brings the next evaluation forward to `due` (engine time) if it was later. */
  private wakeBy(due: number): void {
    if (this.timer === undefined || due >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = due;
    this.timer = setTimeout(this.scheduled, Math.max(0, due - this.o.now()));
    this.timer.unref();
  }

  /** Runs a tick, then sleeps until the next periodic evaluation or the next deadline. */
  private readonly scheduled = (): void => {
    const { o } = this;
    const started = performance.now();
    o.tick();
    // Deadline wake-ups are spaced so that evaluation never takes more than about 5 % of a core, even
    // for a national fleet whose deadlines fall every few milliseconds.
    const spacing = Math.max(MIN_TICK_SPACING_MS, 20 * (performance.now() - started));
    const t = o.now();
    // Deadlines after the evaluation's own time were not yet due in it, even if the clock moved on.
    const next = nextDeviceDeadline(o.model, o.state, o.ev, o.offlineFireAfterMs, o.ev.at);
    const wait = Math.min(o.everyMs, Math.max(spacing, next + 1 - t));
    this.wakeAt = t + wait;
    this.timer = setTimeout(this.scheduled, wait);
    this.timer.unref();
  };
}

/**
 * Messages that can put a device down at once (a Will or shutdown, an amplifier fault, a tripped relay):
 * the engine then wakes when that device's device_offline alert becomes due. Field checks only: this
 * runs for every message.
 */
function mayTakeDown(channel: Channel, message: MessageOf[Channel]): boolean {
  switch (channel) {
    case 'state':
      return !(message as MessageOf['state']).online;
    case 'event': {
      const type = (message as MessageOf['event']).type;
      return type === 'amp_fault' || type === 'relay_tripped';
    }
    case 'heartbeat': {
      const m = message as MessageOf['heartbeat'];
      return m.amp === 'fault' || m.relay === 'tripped';
    }
    case 'broadcast':
    case 'meta':
      return false;
    default:
      return channel satisfies never;
  }
}

/**
 * The earliest time a device_offline alert could become due if nothing else arrives: when an up
 * device's newest heartbeat expires, plus the rule's wait; or, for a device already down, when its
 * wait (or what holds it: a restart, an intended stop, maintenance) ends.
 */
function nextDeviceDeadline(
  model: CoverageModel,
  state: FleetState,
  ev: Evaluation,
  fireAfter: number,
  t: number,
): number {
  let next = Infinity;
  for (let d = 0; d < model.devices.length; d++) {
    const heard = state.lastHeard[d] ?? 0;
    if (heard === 0 || model.deviceMonitored[d] === 0) continue;
    const due =
      ev.deviceUp[d] === 1
        ? heard + (model.deviceTimeoutMs[d] ?? 0) + fireAfter
        : Math.max((ev.deviceDownSince[d] ?? 0) + fireAfter, ev.deviceHeldUntil[d] ?? 0);
    if (due > t && due < next) next = due;
  }
  return next;
}
