import { COVERED, DEVICE_MAINTENANCE, DEVICE_STOPPED, type Evaluation } from './evaluate.js';
import type { CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/**
 * The likely cause of a device's (and so a hamlet's) silence, read from the evidence the engine holds:
 * what people act on in an alert ("what to check") and what the report lists per outage. Stored as
 * these codes in the `cause` field of `coverage_hamlet` (docs/coverage.md#state-restart-storage); the
 * catalogues say them in words. Most telling first: a maintenance window or an intended stop explains
 * everything else; a device that reports an amplifier fault or a tripped relay is still talking.
 */
export const CAUSES = [
  'maintenance',
  'stopped',
  'amp_fault',
  'relay_trip',
  'power_cut',
  'power_or_link',
  'link_silence',
  'never',
] as const;
export type Cause = (typeof CAUSES)[number];

/** Why device `d` is down, most telling first; empty when it is up or cannot report (FM, wired). */
export function deviceCauses(m: CoverageModel, s: FleetState, ev: Evaluation, d: number): Cause[] {
  if (m.deviceMonitored[d] === 0 || ev.deviceUp[d] === 1) return [];
  if (ev.deviceStatus[d] === DEVICE_MAINTENANCE) return ['maintenance'];
  const heard = s.lastHeard[d] ?? 0;
  if (heard === 0) return ['never'];
  if (ev.deviceStatus[d] === DEVICE_STOPPED) return ['stopped'];
  const out: Cause[] = [];
  if ((s.ampFaultSince[d] ?? 0) !== 0) out.push('amp_fault');
  if ((s.relayTrippedSince[d] ?? 0) !== 0) out.push('relay_trip');
  if (out.length > 0) return out;
  // Silent: mains lost before it went quiet says power; a Will alone says power or link; else the link.
  if ((s.onBatterySince[d] ?? 0) !== 0) return ['power_cut'];
  return [(s.deathAt[d] ?? 0) >= heard ? 'power_or_link' : 'link_silence'];
}

/**
 * The `cause` field of a hamlet's state-change point: its down clusters' causes, comma-separated, when
 * it is not covered (empty when covered, or when nothing serves it).
 */
export function hamletCauseField(m: CoverageModel, s: FleetState, ev: Evaluation, h: number): string {
  return ev.hamletStatus[h] === COVERED ? '' : hamletCauses(m, s, ev, h).join(',');
}

/** Cause codes read back from a stored `cause` field, known ones only, in `CAUSES` order. */
export function parseCauses(fields: readonly string[]): Cause[] {
  const found = new Set(fields.flatMap((f) => f.split(',')));
  return CAUSES.filter((c) => found.has(c));
}

/** The distinct causes of the clusters serving hamlet `h` that are down, in `CAUSES` order. */
export function hamletCauses(m: CoverageModel, s: FleetState, ev: Evaluation, h: number): Cause[] {
  const found = new Set<Cause>();
  for (let e = m.hamletDeviceStart[h] ?? 0; e < (m.hamletDeviceStart[h + 1] ?? 0); e++) {
    for (const c of deviceCauses(m, s, ev, m.hamletDevices[e] ?? 0)) found.add(c);
  }
  return CAUSES.filter((c) => found.has(c));
}
