import { DEVICE_MAINTENANCE, DEVICE_STOPPED, type Evaluation } from './evaluate.js';
import { causeText, deviceWhyText, viTime } from './messages.js';
import type { CoverageModel } from './model.js';
import type { FleetState } from './state.js';

/** Local time of a province for machine-like text: `2026-11-25 05:12`. */
export function localTime(ms: number, utcOffsetMs: number): string {
  if (ms <= 0) return 'never';
  return new Date(ms + utcOffsetMs).toISOString().slice(0, 16).replace('T', ' ');
}

/** The name people know a device by: its inventory `name`, else its id. */
export function deviceLabel(m: CoverageModel, d: number): string {
  const device = m.devices[d];
  return device?.name ?? device?.device ?? '';
}

/** Why a device is (not) working, in plain words (Vietnamese). */
export function downReason(
  m: CoverageModel,
  s: FleetState,
  ev: Evaluation,
  d: number,
  offset: number,
): string {
  const device = m.devices[d];
  if (device === undefined) return '';
  const label = deviceLabel(m, d);
  const link = device.link;
  if (!device.monitored) return deviceWhyText({ label, link, state: 'unmonitored' });
  if (ev.deviceUp[d] === 1) return deviceWhyText({ label, link, state: 'up' });
  const heard = s.lastHeard[d] ?? 0;
  if (heard === 0) return deviceWhyText({ label, link, state: 'never' });
  const since = viTime(ev.deviceDownSince[d] ?? 0, offset);
  if (ev.deviceStatus[d] === DEVICE_STOPPED) return deviceWhyText({ label, link, state: 'stopped', since });
  if (ev.deviceStatus[d] === DEVICE_MAINTENANCE)
    return deviceWhyText({ label, link, state: 'maintenance', since });
  const causes: string[] = [];
  if ((s.ampFaultSince[d] ?? 0) !== 0) causes.push(causeText.amp);
  if ((s.relayTrippedSince[d] ?? 0) !== 0) causes.push(causeText.relay);
  if ((s.deathAt[d] ?? 0) >= heard) causes.push(causeText.disconnected);
  if (causes.length === 0) causes.push(causeText.silentSince(viTime(heard, offset)));
  return deviceWhyText({ label, link, state: 'down', since, causes });
}
