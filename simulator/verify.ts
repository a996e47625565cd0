import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ALERT_RULES } from '../coverage/index.js';
import { quoteIdent, type InfluxQl, type Series } from '../influx/index.js';
import { messages, type Messages } from '../i18n/index.js';
import { ALERT, BROADCAST, EVENT, HEARTBEAT, PRESENCE, REJECT, type Inventory } from '../protocol/index.js';
import { judgeFault } from './fault-judges.js';
import type { SimulationReport } from './simulation.js';
import {
  MARGIN_MS,
  refusedByIngest,
  sample,
  undecided,
  type Interval,
  type Row,
  type Stored,
} from './verify-facts.js';

/**
 * `loa simulate run --verify`: after a run, InfluxDB is compared with what the simulation knows it did.
 *
 * - Every message the broker acknowledged is stored exactly once: per device and measurement, each
 *   acknowledged point is there (at the device time it carried), nothing is stored that the device never
 *   sent, and no broadcast id is stored twice.
 * - Every injected fault left its mark: the alert the coverage engine must raise for it (docs/coverage.md),
 *   and its own evidence (a Will, refused messages counted, heartbeats reporting the fault, the skewed
 *   clock's time in storage).
 *
 * The platform needs a moment (the ingest's flush, the engine's evaluation and fire delay), so the checks
 * are repeated until they hold or `timeoutMs` passes.
 */
export interface VerifyOptions {
  ql: InfluxQl;
  inventory: Inventory;
  report: SimulationReport;
  /** Heartbeat interval of a virtual device, in ms (evidence needs a few beats inside a fault). */
  heartbeatMs: (device: string) => number;
  /** Refused publications on another device's topic, read from the broker (its `/metrics`); none: unchecked. */
  impersonationRefusals?: () => Promise<number>;
  /** The count before the run. */
  impersonationRefusalsBefore?: number;
  timeoutMs: number;
  /** Between attempts; 1 s by default. */
  pollMs?: number;
  /**
   * The language of the lines; Vietnamese by default. Alert kinds, measurements and device ids stay as
   * stored: they are what the engineer looks up in InfluxDB and the docs.
   */
  messages?: Messages;
}

export interface Verification {
  ok: boolean;
  /** What was checked and held, one line each. */
  held: string[];
  /** What is missing, duplicated or never raised, one line each. */
  problems: string[];
}

/** The channels whose points are counted, each with its measurement and the field read as its label. */
const STORED = {
  heartbeat: { measurement: HEARTBEAT, label: HEARTBEAT.field.seq },
  broadcast: { measurement: BROADCAST, label: BROADCAST.field.id },
  event: { measurement: EVENT, label: EVENT.field.count },
} as const;
type Measurement = keyof typeof STORED;
const MEASUREMENTS = Object.keys(STORED) as Measurement[];

export async function verifyRun(options: VerifyOptions): Promise<Verification> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const stored = await read(options);
    const result = check(options, stored);
    if (result.ok || performance.now() >= deadline) return result;
    await sleep(options.pollMs ?? 1000);
  }
}

/** What the run should have left in InfluxDB: acknowledged messages per measurement, and those refused. */
export function expectedPoints(report: SimulationReport): Record<Measurement, number> & { refused: number } {
  const out = { heartbeat: 0, broadcast: 0, event: 0, refused: 0 };
  for (const ledger of report.ledgers.values()) {
    for (const e of ledger.acked) {
      if (refusedByIngest(e)) out.refused += 1;
      else out[e.channel] += 1;
    }
  }
  return out;
}

async function read(options: VerifyOptions): Promise<Stored> {
  const { ql, report } = options;
  const points = new Map<string, Map<number, string>>();
  for (const m of MEASUREMENTS) {
    // The run, widened to every device time it sent (skewed clocks, late logs): a point stored in it
    // that no device sent is as wrong as one missing.
    let min = report.startedAt;
    let max = report.stoppedAt;
    for (const ledger of report.ledgers.values()) {
      for (const e of ledger.accepted) {
        if (e.channel !== m) continue;
        min = Math.min(min, e.time);
        max = Math.max(max, e.time);
      }
    }
    const { measurement, label: field } = STORED[m];
    const device = `"${measurement.tag.device}"`;
    const group = m === 'event' ? `${device}, "${EVENT.tag.type}"` : device;
    for (const s of await ql.query(
      `SELECT "${field}" FROM "${measurement.name}" WHERE time >= ${Math.floor(min)}ms AND time <= ${Math.ceil(max)}ms GROUP BY ${group}`,
    )) {
      const device = s.tags?.device ?? '';
      if (!report.ledgers.has(device)) continue;
      const key = `${device}/${m}`;
      const times = points.get(key) ?? new Map<number, string>();
      for (const row of s.values) {
        const label = m === 'event' ? (s.tags?.type ?? '') : String(row[1]);
        times.set(Number(row[0]), label);
      }
      points.set(key, times);
    }
  }
  const since = `time >= ${Math.floor(report.startedAt - 1000)}ms`;
  // Alerts from the day before too: one still firing when a fault began covers it (see checkFault).
  const alertsSince = `time >= ${Math.floor(report.startedAt - 86_400_000)}ms`;
  const alerts = rows(
    await ql.query(`SELECT * FROM ${quoteIdent(ALERT.retention)}."${ALERT.name}" WHERE ${alertsSince}`),
  );
  const rejects = rows(
    await ql.query(
      `SELECT "${REJECT.field.device}", "${REJECT.field.detail}" FROM "${REJECT.name}" WHERE ${since} GROUP BY "${REJECT.tag.reason}"`,
    ),
  );
  const wills = new Map<string, number[]>();
  for (const s of await ql.query(
    `SELECT "${PRESENCE.field.session}" FROM "${PRESENCE.name}" WHERE ${since} AND "${PRESENCE.field.online}" = false AND "${PRESENCE.field.reason}" = 'lost' GROUP BY "${PRESENCE.tag.device}"`,
  )) {
    wills.set(
      s.tags?.device ?? '',
      s.values.map((v) => Number(v[0])),
    );
  }
  const counts = async (where: string) => {
    const out = new Map<string, number>();
    for (const s of await ql.query(
      `SELECT count("${HEARTBEAT.field.seq}") FROM "${HEARTBEAT.name}" WHERE ${since} AND ${where} GROUP BY "${HEARTBEAT.tag.device}"`,
    )) {
      out.set(s.tags?.device ?? '', Number(s.values[0]?.[1] ?? 0));
    }
    return out;
  };
  return {
    points,
    alerts,
    rejects,
    wills,
    ampFaultBeats: await counts(`"${HEARTBEAT.field.amp}" = 'fault'`),
    relayTripBeats: await counts(
      `"${HEARTBEAT.field.relay}" = 'tripped' AND "${HEARTBEAT.field.mains_v}" >= 250`,
    ),
    impersonationRefusals: options.impersonationRefusals ? await options.impersonationRefusals() : undefined,
  };
}

function rows(series: readonly Series[]): Row[] {
  const out: Row[] = [];
  for (const s of series) {
    for (const v of s.values) {
      const row: Row = { ...s.tags };
      s.columns.forEach((c, i) => (row[c] = v[i] ?? null));
      out.push(row);
    }
  }
  return out;
}

function check(options: VerifyOptions, stored: Stored): Verification {
  const held: string[] = [];
  const problems: string[] = [];
  checkMessages(options, stored, held, problems);
  const evidence = {
    report: options.report,
    stored,
    outages: downIntervals(options.report),
    heartbeatMs: options.heartbeatMs,
    impersonationRefusalsBefore: options.impersonationRefusalsBefore,
    m: textOf(options),
  };
  for (const fault of options.report.faults) judgeFault(evidence, fault, held, problems);
  checkPlaces(options, stored, held, problems);
  checkRejects(options, stored, problems);
  return { ok: problems.length === 0, held, problems };
}

/**
 * Messages of the simulated devices the ingest refused, other than those a fault made to be refused
 * (malformed ones, a clock too far ahead): each is a message the platform lost, with its reason.
 */
function checkRejects(options: VerifyOptions, stored: Stored, problems: string[]): void {
  const expected = new Map<string, Set<string>>();
  const allow = (device: string, ...reasons: string[]) => {
    const set = expected.get(device) ?? new Set<string>();
    for (const r of reasons) set.add(r);
    expected.set(device, set);
  };
  for (const f of options.report.faults) {
    for (const d of f.devices) {
      if (f.kind === 'malformed') allow(d, 'invalid_json', 'schema');
      if (f.kind === 'clock_skew') allow(d, 'ts_future');
    }
  }
  const unexpected = new Map<string, { device: string; reason: string; count: number; detail: string }>();
  for (const r of stored.rejects) {
    const device = String(r.device ?? '');
    const reason = String(r.reason ?? '');
    if (!options.report.ledgers.has(device) || expected.get(device)?.has(reason)) continue;
    const key = `${device}: ${reason}`;
    const seen = unexpected.get(key) ?? { device, reason, count: 0, detail: String(r.detail ?? '') };
    seen.count += 1;
    unexpected.set(key, seen);
  }
  const m = textOf(options);
  for (const { device, reason, count, detail } of unexpected.values()) {
    problems.push(m.t('verify.refusedByIngest', { device, reason, n: count, detail }));
  }
}

/**
 * Per device, when the faults kept it down as the engine sees it (dark, cut off, amplifier, relay),
 * overlapping faults joined: a random link drop inside a scripted one is one outage, which the engine
 * pages once (issue #14, point 14).
 */
function downIntervals(report: SimulationReport): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  for (const f of report.faults) {
    const end = f.end ?? report.stoppedAt;
    const start =
      f.kind === 'power_cut'
        ? f.darkAt
        : f.kind === 'link_drop' || f.kind === 'amp_fault' || f.kind === 'relay_trip'
          ? f.start
          : undefined;
    if (start === undefined || end <= start) continue;
    for (const d of f.devices) out.set(d, [...(out.get(d) ?? []), [start, end]]);
  }
  for (const [d, list] of out) out.set(d, joinOverlapping(list));
  return out;
}

/** Intervals that overlap or touch, joined; sorted by start. */
function joinOverlapping(list: readonly Interval[]): Interval[] {
  const out: [number, number][] = [];
  for (const [lo, hi] of [...list].sort((a, b) => a[0] - b[0])) {
    const last = out.at(-1);
    if (last !== undefined && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Where every list has an interval at once. */
function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [a0, a1] of a) {
    for (const [b0, b1] of b) {
      const lo = Math.max(a0, b0);
      const hi = Math.min(a1, b1);
      if (hi > lo) out.push([lo, hi]);
    }
  }
  return out;
}

/**
 * Places: a hamlet whose every monitored cluster the faults kept down for the engine's 10 min must be
 * reported `hamlet_uncovered`, and its commune `commune_criterion_lost`; so must a commune whose station
 * was down that long.
 */
function checkPlaces(options: VerifyOptions, stored: Stored, held: string[], problems: string[]): void {
  const m = textOf(options);
  const down = downIntervals(options.report);
  if (down.size === 0) return;
  const due = (kind: 'hamlet_uncovered' | 'commune_criterion_lost') =>
    DEFAULT_ALERT_RULES[kind].fireAfterMs + MARGIN_MS;
  // Raised inside the gap, or still firing from before it (see checkFault).
  const raised = (kind: string, commune: string, hamlet: string | undefined, [from, to]: Interval) => {
    const mine = stored.alerts
      .filter(
        (a) => a.kind === kind && a.commune === commune && (hamlet === undefined || a.hamlet === hamlet),
      )
      .sort((a, b) => Number(a.time) - Number(b.time));
    if (mine.some((a) => a.state === 'firing' && Number(a.since) >= from - 2000 && Number(a.since) < to)) {
      return true;
    }
    return mine.filter((a) => Number(a.time) <= from).at(-1)?.state === 'firing';
  };
  for (const province of options.inventory.provinces) {
    for (const commune of province.communes) {
      const gaps: Interval[] = [];
      for (const hamlet of commune.hamlets) {
        const serving = commune.devices.filter(
          (d) => d.monitored && d.kind === 'cluster' && d.hamlets.includes(hamlet.id),
        );
        if (serving.length === 0) continue;
        let silent: Interval[] = down.get(serving[0]?.device ?? '') ?? [];
        for (const d of serving.slice(1)) silent = intersect(silent, down.get(d.device) ?? []);
        for (const gap of silent) {
          if (gap[1] - gap[0] < due('hamlet_uncovered')) continue;
          gaps.push(gap);
          const what = m.t('verify.alertFor', {
            kind: 'hamlet_uncovered',
            subject: `${commune.id}/${hamlet.id}`,
          });
          if (raised('hamlet_uncovered', commune.id, hamlet.id, gap)) held.push(what);
          else
            problems.push(
              m.t('verify.missingSilent', { what, seconds: Math.round((gap[1] - gap[0]) / 1000) }),
            );
        }
      }
      const stations = commune.devices.filter((d) => d.monitored && d.kind === 'station');
      if (stations.length > 0) {
        // Any station up keeps the commune's studio on air.
        let off: Interval[] = down.get(stations[0]?.device ?? '') ?? [];
        for (const d of stations.slice(1)) off = intersect(off, down.get(d.device) ?? []);
        gaps.push(...off);
      }
      for (const gap of gaps) {
        if (gap[1] - gap[0] < due('commune_criterion_lost')) continue;
        const what = m.t('verify.alertFor', { kind: 'commune_criterion_lost', subject: commune.id });
        if (raised('commune_criterion_lost', commune.id, undefined, gap)) held.push(what);
        else problems.push(m.t('verify.missing', { what }));
      }
    }
  }
}

/** Every acknowledged message stored once; nothing stored that was never sent. */
function checkMessages(options: VerifyOptions, stored: Stored, held: string[], problems: string[]): void {
  const text = textOf(options);
  const totals: Record<Measurement, number> = { heartbeat: 0, broadcast: 0, event: 0 };
  let refusedAsExpected = 0;
  for (const [device, ledger] of options.report.ledgers) {
    for (const m of MEASUREMENTS) {
      const times = stored.points.get(`${device}/${m}`) ?? new Map<number, string>();
      const accepted = new Set<number>();
      for (const e of ledger.accepted) if (e.channel === m) accepted.add(e.time);
      const missing: string[] = [];
      for (const e of ledger.acked) {
        if (e.channel !== m || undecided(e)) continue;
        const found = times.has(e.time);
        if (refusedByIngest(e)) {
          if (found)
            problems.push(text.t('verify.clockAheadStored', { measurement: m, device, time: iso(e.time) }));
          else refusedAsExpected += 1;
          continue;
        }
        if (found) totals[m] += 1;
        else missing.push(e.label);
      }
      if (missing.length > 0) {
        problems.push(
          text.t('verify.notStored', {
            measurement: m,
            device,
            n: missing.length,
            sample: `${m === 'heartbeat' ? 'seq ' : ''}${sample(missing)}`,
          }),
        );
      }
      // Points of this device that no message of the run explains, from the run's start on: before it
      // they may be an earlier run's (a clock running behind, a late log reach back there), and a
      // message of this run stored at a wrong time is reported missing anyway.
      const lo = options.report.startedAt;
      let hi = options.report.stoppedAt;
      for (const e of ledger.accepted) if (e.channel === m) hi = Math.max(hi, e.time);
      const unexpected = [...times.keys()].filter((t) => t >= lo && t <= hi && !accepted.has(t));
      if (unexpected.length > 0) {
        problems.push(
          text.t('verify.neverSent', {
            measurement: m,
            device,
            n: unexpected.length,
            sample: sample(unexpected.map(iso)),
          }),
        );
      }
      if (m === 'broadcast') {
        // Among this run's points (an earlier run may have logged the same id at another time).
        const seen = new Map<string, number>();
        for (const [t, id] of times) if (accepted.has(t)) seen.set(id, (seen.get(id) ?? 0) + 1);
        const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
        if (twice.length > 0) problems.push(text.t('verify.twice', { device, sample: sample(twice) }));
      }
    }
  }
  held.push(
    text.t('verify.storedOnce', totals) +
      (refusedAsExpected > 0 ? text.t('verify.refusedAhead', { n: refusedAsExpected }) : ''),
  );
}

function textOf(options: VerifyOptions): Messages {
  return options.messages ?? messages('vi');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
