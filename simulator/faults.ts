import type { Logger } from '../runtime/index.js';
import type { Inventory } from '../protocol/index.js';
import type { Random } from './prng.js';
import {
  bulletinCommunes,
  matchTarget,
  type FaultSpec,
  type RandomRule,
  type Scenario,
  type ScriptedBulletin,
  type Target,
} from './scenario.js';
import type { VirtualDevice } from './virtual-device.js';

/** One fault as it happened, for the progress line, the summary and `--verify`. */
export interface InjectedFault {
  kind: FaultSpec['kind'] | 'emergency';
  /** The devices hit; for an emergency bulletin, the clusters that did not log it. */
  devices: string[];
  /** Simulation clock when it began and ended (undefined: still on when the run stopped). */
  start: number;
  end?: number;
  /** Power cut: when the box went dark (after its battery), if it did. */
  darkAt?: number;
  /** Devices whose link was already down (an earlier fault) when this one began: no Will of their own. */
  alreadyDown?: string[];
  /** Malformed and impersonating messages that actually went out (a dark or cut device sends none). */
  sent?: number;
  victim?: string;
  /** Clock skew. */
  offsetMs?: number;
  /** Emergency bulletin. */
  bulletin?: string;
  province?: string;
  commune?: string;
  /** Emergency bulletin: clusters that logged it, and when it ended (device clock). */
  played?: string[];
  bulletinEnd?: number;
  lateMs?: number;
}

export interface FaultRunnerOptions {
  scenario: Scenario;
  inventory: Inventory;
  devices: ReadonlyMap<string, VirtualDevice>;
  clock: () => number;
  random: Random;
  logger: Logger;
}

export interface FaultRunner {
  /** Schedules every scripted and random fault from now on. */
  start(): void;
  /** Cancels what is not due yet and ends what is on (links come back; dark boxes stay dark). */
  stop(): Promise<void>;
  /** Faults on now. */
  active(): number;
  log(): readonly InjectedFault[];
}

/**
 * Plays a scenario against the virtual devices: scripted faults at their time on their target, random
 * ones at exponential intervals of their mean, emergency bulletins to their commune. Every fault is
 * written down as it happens (InjectedFault), which is what `--verify` checks the platform against.
 */
export function createFaultRunner(options: FaultRunnerOptions): FaultRunner {
  const { scenario, inventory, devices, clock, random, logger } = options;
  const timers = new Set<NodeJS.Timeout>();
  const injected: InjectedFault[] = [];
  /** Undo actions of the faults on now. */
  const ongoing = new Map<InjectedFault, () => Promise<void>>();
  const work = new Set<Promise<void>>();
  let stopped = false;
  let bulletins = 0;

  const later = (ms: number, action: () => void | Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      track(action());
    }, ms);
    timers.add(timer);
  };
  const track = (result: void | Promise<void>) => {
    if (!(result instanceof Promise)) return;
    const p = result.catch((error: unknown) => {
      logger.error({ err: error }, 'fault action failed');
    });
    work.add(p);
    void p.finally(() => work.delete(p));
  };

  function pickDevices(target: Target): VirtualDevice[] {
    const matched = matchTarget(inventory, target)
      .map((d) => devices.get(d.device))
      .filter((d): d is VirtualDevice => d !== undefined);
    return target.pick === undefined ? matched : random.shuffle(matched).slice(0, target.pick);
  }

  /** Begins a fault on its devices; returns the record, with its undo registered when it lasts. */
  function begin(spec: FaultSpec, hit: VirtualDevice[]): InjectedFault {
    const record: InjectedFault = { kind: spec.kind, devices: hit.map((d) => d.id), start: clock() };
    const down = hit.filter((d) => d.linkDown).map((d) => d.id);
    if (down.length > 0) record.alreadyDown = down;
    injected.push(record);
    logger.info({ fault: spec.kind, devices: record.devices }, 'fault injected');
    const finish = (undo: () => void | Promise<void>) => {
      ongoing.set(record, async () => {
        ongoing.delete(record);
        record.end = clock();
        await undo();
      });
    };
    switch (spec.kind) {
      case 'power_cut': {
        const dark = () => {
          record.darkAt = clock();
          return Promise.all(hit.map((d) => d.goDark())).then(() => undefined);
        };
        if (spec.battery > 0) {
          for (const d of hit) d.mainsLost();
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!stopped && ongoing.has(record)) track(dark());
          }, spec.battery);
          timers.add(timer);
        } else {
          track(dark());
        }
        finish(async () => {
          for (const d of hit) if (!d.isDark) d.mainsRestored();
          // Every box of the cut boots at once: the thundering herd the broker has to take.
          await Promise.all(hit.map((d) => d.wake()));
        });
        break;
      }
      case 'link_drop':
        for (const d of hit) d.cutLink('link_drop');
        finish(() => {
          for (const d of hit) d.restoreLink('link_drop');
        });
        break;
      case 'flapping': {
        let down = true;
        const flip = () => {
          for (const d of hit) {
            if (down) d.cutLink('flapping');
            else d.restoreLink('flapping');
          }
        };
        flip();
        const timer = setInterval(() => {
          down = !down;
          flip();
        }, spec.period / 2);
        finish(() => {
          clearInterval(timer);
          for (const d of hit) d.restoreLink('flapping');
        });
        break;
      }
      case 'amp_fault':
        for (const d of hit) d.setAmpFault(true);
        finish(() => {
          for (const d of hit) d.setAmpFault(false);
        });
        break;
      case 'relay_trip':
        for (const d of hit) d.setRelayTrip(spec.volts);
        finish(() => {
          for (const d of hit) d.setRelayTrip(undefined);
        });
        break;
      case 'clock_skew':
        record.offsetMs = spec.offset;
        for (const d of hit) d.setClockSkew(spec.offset);
        finish(() => {
          for (const d of hit) d.setClockSkew(0);
        });
        break;
      case 'malformed':
        record.sent = hit.reduce((n, d) => n + d.sendMalformed(spec.count), 0);
        record.end = record.start;
        break;
      case 'impersonate': {
        let sent = 0;
        for (const d of hit) {
          const victim = victimOf(d, spec.victim);
          if (victim === undefined) continue;
          record.victim = victim.device;
          for (let i = 0; i < spec.count; i++) if (d.impersonate(victim)) sent += 1;
        }
        record.sent = sent;
        record.end = record.start;
        break;
      }
      default:
        spec satisfies never;
    }
    const lasting = 'for' in spec ? spec.for : undefined;
    if (typeof lasting === 'number') {
      later(lasting, () => ongoing.get(record)?.());
    }
    return record;
  }

  function victimOf(d: VirtualDevice, named: string | undefined) {
    if (named !== undefined) return inventory.device(named);
    const neighbours = [...inventory.allDevices()].filter(
      (v) => v.monitored && v.device !== d.id && v.commune === d.device.commune,
    );
    const others =
      neighbours.length > 0 ? neighbours : [...inventory.allDevices()].filter((v) => v.device !== d.id);
    return others.length > 0 ? random.pick(others) : undefined;
  }

  function bulletin(b: Omit<ScriptedBulletin, 'at'>): void {
    const commune = b.commune ?? random.pick(bulletinCommunes(inventory, b.fail, b.province));
    const clusters = matchTarget(inventory, {
      commune: typeof commune === 'string' ? commune : commune.id,
      kind: 'cluster',
      ...(b.province !== undefined
        ? { province: b.province }
        : typeof commune !== 'string' && { province: commune.province }),
    })
      .map((d) => devices.get(d.device))
      .filter((d): d is VirtualDevice => d !== undefined);
    const failing = new Set(random.shuffle(clusters).slice(0, b.fail));
    bulletins += 1;
    const id = b.id ?? `sim-emergency-${Math.round(clock() / 1000)}-${bulletins}`;
    const record: InjectedFault = {
      kind: 'emergency',
      devices: [],
      played: [],
      start: clock(),
      end: clock(),
      bulletin: id,
      province: clusters[0]?.device.province ?? '',
      commune: clusters[0]?.device.commune ?? '',
      lateMs: b.late,
    };
    for (const d of clusters) {
      // A dark box cannot play it either: it is one more cluster the bulletin did not reach.
      if (failing.has(d) || d.isDark) {
        record.devices.push(d.id);
        continue;
      }
      const end = d.now() - b.late;
      record.bulletinEnd = Math.max(record.bulletinEnd ?? 0, end);
      record.played?.push(d.id);
      d.logBulletin({
        id: `emergency-${id}`,
        start: end - b.length,
        end,
        program: 'Bản tin khẩn cấp',
        bulletin: id,
      });
    }
    injected.push(record);
    logger.info({ bulletin: id, commune: record.commune, failed: record.devices }, 'emergency bulletin');
  }

  function scheduleRandom(rule: RandomRule): void {
    // Exponential gaps: a Poisson process with the rule's mean interval.
    const gap = -Math.log(1 - random.next()) * rule.every;
    later(gap, () => {
      if (rule.kind === 'emergency') {
        bulletin(rule);
      } else {
        const hit = pickDevices(rule.target.pick === undefined ? { ...rule.target, pick: 1 } : rule.target);
        if (hit.length > 0) begin(rule, hit);
      }
      scheduleRandom(rule);
    });
  }

  return {
    start() {
      for (const f of scenario.faults) {
        later(f.at, () => {
          begin(f, pickDevices(f.target));
        });
      }
      for (const b of scenario.bulletins) {
        later(b.at, () => {
          bulletin(b);
        });
      }
      for (const rule of scenario.random) scheduleRandom(rule);
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...work]);
      for (const [record, undo] of [...ongoing]) {
        // Dark boxes stay dark: the run ends with them off, as the outage would have.
        if (record.kind === 'power_cut') {
          ongoing.delete(record);
          continue;
        }
        await undo();
        delete record.end;
      }
    },
    active: () => ongoing.size,
    log: () => injected,
  };
}
