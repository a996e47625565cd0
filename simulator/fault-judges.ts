import { EMERGENCY_WINDOW_MS } from '../coverage/index.js';
import type { Messages } from '../i18n/index.js';
import type { InjectedFault } from './faults.js';
import type { SimulationReport } from './simulation.js';
import {
  MARGIN_MS,
  OFFLINE_DUE_MS,
  ON_BATTERY_DUE_MS,
  refusedByIngest,
  sample,
  undecided,
  type Interval,
  type Row,
  type Stored,
} from './verify-facts.js';

/** What the judges of a run's faults read. */
export interface FaultEvidence {
  report: SimulationReport;
  stored: Stored;
  /** Per device, when the faults kept it down, overlapping faults joined (verify.ts). */
  outages: ReadonlyMap<string, readonly Interval[]>;
  /** Heartbeat interval of a virtual device, in ms. */
  heartbeatMs: (device: string) => number;
  /** Refused impersonations counted by the broker before the run. */
  impersonationRefusalsBefore?: number;
  m: Messages;
}

/** One injected fault before its judge: what it left, and how the judge records what it finds. */
interface FaultCase {
  fault: InjectedFault;
  evidence: FaultEvidence;
  m: Messages;
  /** When the fault ended (the run's end if it was still on), and how long it lasted. */
  end: number;
  lasted: number;
  /** How the fault is named in the lines. */
  name: string;
  /** What should be there, and is (or is not). */
  expect(holds: boolean, what: string): void;
  /** Held without a check: nothing of it was due yet. */
  note(what: string): void;
  /** The fault could not be checked at all: this line instead of a verdict. */
  unchecked(line: string): void;
  /** Alerts of `kind` about `device` whose condition began inside [from, to). */
  raisedFor(kind: string, device: string, from: number, to?: number): Row[];
  /** Such an alert, or one still firing from before `from` (it covers this fault too). */
  alertFor(kind: string, device: string, from: number, to?: number): boolean;
  /** A Will of `device` between from and to (or its link was already down). */
  will(device: string, from: number, to: number): boolean;
  /** device_offline for the device's whole outage around `from`, if it lasted long enough to be due. */
  offlineDue(device: string, from: number): void;
  /** How many heartbeats the device sent during the fault. */
  beats(device: string): number;
}

type Judge = (c: FaultCase) => void;

/** One judge per kind of fault: what each must have left in InfluxDB (docs/coverage.md). */
const JUDGES: Readonly<Record<InjectedFault['kind'], Judge>> = {
  power_cut: judgePowerCut,
  link_drop: judgeLinkDrop,
  flapping: judgeFlapping,
  amp_fault: judgeAmpFault,
  relay_trip: judgeRelayTrip,
  clock_skew: judgeClockSkew,
  malformed: judgeMalformed,
  impersonate: judgeImpersonate,
  emergency: judgeEmergency,
};

/** Judges one injected fault: one line in `held` when it left all it should, else one in `problems`. */
export function judgeFault(
  evidence: FaultEvidence,
  fault: InjectedFault,
  held: string[],
  problems: string[],
): void {
  const { stored, m } = evidence;
  const end = fault.end ?? evidence.report.stoppedAt;
  const ok: string[] = [];
  const bad: string[] = [];
  let instead: string | undefined;
  const about = (kind: string, device: string) =>
    stored.alerts
      .filter(
        (a) =>
          a.kind === kind &&
          String(a.device ?? '')
            .split(',')
            .includes(device),
      )
      .sort((a, b) => Number(a.time) - Number(b.time));
  // An alert belongs to this fault when its condition began inside it: the devices' own shutdown at
  // the end of the run raises alerts too, while --verify waits, and those began after it.
  const raisedFor = (kind: string, device: string, from: number, to = end) =>
    about(kind, device).filter(
      (a) => a.state === 'firing' && Number(a.since) >= from - 2000 && Number(a.since) < to,
    );
  const already = new Set(fault.alreadyDown ?? []);
  const c: FaultCase = {
    fault,
    evidence,
    m,
    end,
    lasted: end - fault.start,
    name: `${fault.kind} ${fault.kind === 'emergency' ? `${fault.commune ?? ''}/${fault.bulletin ?? ''}` : sample(fault.devices)}`,
    expect: (holds, what) => (holds ? ok : bad).push(what),
    note: (what) => ok.push(what),
    unchecked: (line) => (instead = line),
    raisedFor,
    // Or it was still firing from an earlier condition when the fault began: the engine does not raise
    // one subject twice (hysteresis), so that alert is the one that covers this fault too.
    alertFor: (kind, device, from, to = end) =>
      raisedFor(kind, device, from, to).length > 0 ||
      about(kind, device)
        .filter((a) => Number(a.time) <= from)
        .at(-1)?.state === 'firing',
    will: (device, from, to) =>
      already.has(device) ||
      (stored.wills.get(device) ?? []).some((t) => t >= from - 1000 && t <= to + MARGIN_MS),
    // The device's whole outage, with the faults that overlap this one on it: one outage, one page.
    offlineDue: (device, from) => {
      const [lo, hi] = evidence.outages.get(device)?.find(([a, b]) => a <= from && from < b) ?? [from, end];
      if (hi - lo >= OFFLINE_DUE_MS) {
        c.expect(
          c.alertFor('device_offline', device, lo, hi),
          m.t('verify.alertFor', { kind: 'device_offline', subject: device }),
        );
      }
    },
    beats: (device) => Math.floor((end - fault.start) / evidence.heartbeatMs(device)),
  };
  JUDGES[fault.kind](c);
  if (instead !== undefined) held.push(instead);
  else if (bad.length > 0) problems.push(m.t('verify.faultMissing', { name: c.name, list: bad.join('; ') }));
  else
    held.push(
      m.t('verify.faultHeld', {
        name: c.name,
        list: ok.length > 0 ? ok.join('; ') : m.t('verify.nothingDue'),
      }),
    );
}

function onBattery(c: FaultCase, device: string): string {
  return c.m.t('verify.alertFor', { kind: 'on_battery', subject: device });
}

/** on_battery while the battery lasts; when the box goes dark, its Will and device_offline. */
function judgePowerCut(c: FaultCase): void {
  const { fault, m } = c;
  for (const d of fault.devices) {
    if (fault.darkAt === undefined) {
      if (c.lasted >= ON_BATTERY_DUE_MS) c.expect(c.alertFor('on_battery', d, fault.start), onBattery(c, d));
      continue;
    }
    if (fault.darkAt - fault.start >= ON_BATTERY_DUE_MS) {
      c.expect(c.alertFor('on_battery', d, fault.start), onBattery(c, d));
    }
    c.expect(c.will(d, fault.darkAt, c.end), m.t('verify.will', { device: d }));
    c.offlineDue(d, fault.darkAt);
  }
}

/** A Will, then device_offline. */
function judgeLinkDrop(c: FaultCase): void {
  for (const d of c.fault.devices) {
    c.expect(c.will(d, c.fault.start, c.end), c.m.t('verify.will', { device: d }));
    c.offlineDue(d, c.fault.start);
  }
}

/** Wills, and at most one page for all the flaps. */
function judgeFlapping(c: FaultCase): void {
  for (const d of c.fault.devices) {
    c.expect(c.will(d, c.fault.start, c.end), c.m.t('verify.will', { device: d }));
    const pages = c.raisedFor('device_offline', d, c.fault.start).length;
    c.expect(pages <= 1, c.m.t('verify.atMostOne', { device: d, n: pages }));
  }
}

/** device_offline, and heartbeats reporting the fault. */
function judgeAmpFault(c: FaultCase): void {
  for (const d of c.fault.devices) {
    c.offlineDue(d, c.fault.start);
    if (c.beats(d) >= 2)
      c.expect((c.evidence.stored.ampFaultBeats.get(d) ?? 0) > 0, c.m.t('verify.ampBeats', { device: d }));
  }
}

/** device_offline, and heartbeats reporting the tripped relay with mains present. */
function judgeRelayTrip(c: FaultCase): void {
  for (const d of c.fault.devices) {
    c.offlineDue(d, c.fault.start);
    if (c.beats(d) >= 2) {
      c.expect((c.evidence.stored.relayTripBeats.get(d) ?? 0) > 0, c.m.t('verify.relayBeats', { device: d }));
    }
  }
}

/** A clock too far ahead: its heartbeats refused; otherwise stored at the skewed time. */
function judgeClockSkew(c: FaultCase): void {
  const { fault, m, evidence } = c;
  const offset = fault.offsetMs ?? 0;
  for (const d of fault.devices) {
    const skewed = (evidence.report.ledgers.get(d)?.acked ?? []).filter(
      (e) => e.skewMs === offset && e.channel === 'heartbeat',
    );
    const first = skewed[0];
    if (first === undefined) continue;
    if (refusedByIngest(first)) {
      const refused = evidence.stored.rejects.filter(
        (r) => r.reason === 'ts_future' && r.device === d,
      ).length;
      c.expect(
        refused >= skewed.length,
        m.t('verify.skewRefused', { n: skewed.length, device: d, found: refused }),
      );
    } else if (!undecided(first)) {
      const times = evidence.stored.points.get(`${d}/heartbeat`);
      const found = skewed.filter((e) => times?.has(e.time)).length;
      c.expect(
        found === skewed.length,
        m.t('verify.skewStored', { n: skewed.length, device: d, offset: String(offset) }),
      );
    }
  }
}

/** Every malformed message that went out refused and counted. */
function judgeMalformed(c: FaultCase): void {
  const { fault } = c;
  for (const d of fault.devices) {
    const refused = c.evidence.stored.rejects.filter(
      (r) => (r.reason === 'invalid_json' || r.reason === 'schema') && r.device === d,
    ).length;
    const sent = Math.ceil((fault.sent ?? 0) / fault.devices.length);
    c.expect(refused >= sent, c.m.t('verify.malformed', { device: d, refused, sent }));
  }
}

/** Every publication on another device's topic refused by the broker (when its count can be read). */
function judgeImpersonate(c: FaultCase): void {
  const { fault, m, evidence } = c;
  const refusals = evidence.stored.impersonationRefusals;
  if (refusals === undefined) {
    c.unchecked(m.t('verify.impersonateUnchecked', { name: c.name }));
    return;
  }
  const refused = refusals - (evidence.impersonationRefusalsBefore ?? 0);
  c.expect(
    refused >= (fault.sent ?? 0),
    m.t('verify.impersonate', {
      n: fault.sent ?? 0,
      victim: fault.victim ?? m.t('verify.anotherDevice'),
      refused,
    }),
  );
}

/** emergency_undelivered naming every cluster that did not log the bulletin, once its window passed. */
function judgeEmergency(c: FaultCase): void {
  const { fault, m, evidence } = c;
  const judged = (fault.bulletinEnd ?? fault.start) + EMERGENCY_WINDOW_MS + MARGIN_MS;
  if (fault.devices.length === 0 || judged > evidence.report.stoppedAt + (fault.lateMs ?? 0)) {
    c.note(m.t('verify.loggedBy', { n: fault.played?.length ?? 0 }));
    return;
  }
  const alert = evidence.stored.alerts.find(
    (a) =>
      a.kind === 'emergency_undelivered' &&
      a.state === 'firing' &&
      String(a.id ?? '').endsWith(`/${fault.bulletin ?? ''}`),
  );
  const listed = String(alert?.device ?? '').split(',');
  const unlisted = fault.devices.filter((d) => !listed.includes(d));
  c.expect(
    alert !== undefined && unlisted.length === 0,
    m.t('verify.undelivered', { devices: fault.devices.join(', ') }) +
      (alert === undefined ? '' : m.t('verify.alertNames', { devices: listed.join(', ') })),
  );
}
