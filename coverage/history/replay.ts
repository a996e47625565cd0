import type { Inventory } from '../../protocol/index.js';
import { COMMUNE_STATUS, Evaluation, evaluate, HAMLET_STATUS } from '../evaluate.js';
import { buildModel, utcOffsetMs } from '../model.js';
import { FleetState } from '../state.js';
import type { StatusChange } from './day.js';
import { localDayRange, summarizeDay, type DaySummary } from './summary.js';

/** A monitored device that was dark (no power, no link) from `from` to `to`. */
export interface DarkSpan {
  device: string;
  from: number;
  to: number;
}

/**
 * Daily summaries of past days from when devices were dark (`loa simulate backfill --summary-days`):
 * the engine's own evaluation is run at every instant a device goes dark or comes back, and its
 * statuses go through the same summary and writer as the live history. A dark device is shown to the
 * evaluation as an amplifier fault (down from that instant, exactly). Regularity is not replayed
 * (judged only with a week of broadcast history, which a replay does not keep).
 */
export function* replayDays(
  inventory: Inventory,
  dark: readonly DarkSpan[],
  days: readonly string[],
): Generator<DaySummary> {
  const model = buildModel(inventory, Date.now());
  const state = new FleetState(model);
  const ev = new Evaluation(model);
  const spans = new Map<number, DarkSpan[]>();
  for (const s of dark) {
    const d = model.deviceIndex.get(s.device);
    if (d !== undefined) spans.set(d, [...(spans.get(d) ?? []), s]);
  }
  const isDark = (d: number, t: number) => spans.get(d)?.some((s) => t >= s.from && t < s.to) ?? false;
  for (const day of days) {
    for (const [p, province] of inventory.provinces.entries()) {
      const info = model.provinces[p];
      if (info === undefined) continue;
      const noon = localDayRange(day, 0).from + 12 * 3_600_000;
      const range = localDayRange(day, utcOffsetMs(province.timezone, noon));
      const instants = new Set<number>([range.from]);
      for (const s of dark) {
        if (s.from > range.from && s.from < range.to) instants.add(s.from);
        if (s.to > range.from && s.to < range.to) instants.add(s.to);
      }
      const hamlets = new Map<string, StatusChange[]>();
      const communes = new Map<string, StatusChange[]>();
      const note = (map: Map<string, StatusChange[]>, key: string, at: number, status: string) => {
        const list = map.get(key) ?? [];
        if (list.at(-1)?.status !== status) list.push({ at, status });
        map.set(key, list);
      };
      const broadcasters = new Set<string>();
      for (const t of [...instants].sort((a, b) => a - b)) {
        for (let d = 0; d < model.devices.length; d++) {
          if (model.deviceMonitored[d] === 0) continue;
          state.heartbeat(d, t, isDark(d, t), false, undefined);
          state.heard(d, t); // liveness is when the platform heard it: here, the replayed instant
        }
        evaluate(model, state, t, ev);
        for (let c = info.firstCommune; c < info.endCommune; c++) {
          const commune = model.communes[c];
          if (commune === undefined) continue;
          const key = `${commune.province}/${commune.id}`;
          note(communes, key, t, COMMUNE_STATUS[ev.communeStatus[c] ?? 0] ?? 'not_met');
          for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
            note(
              hamlets,
              `${key}/${model.hamletIds[h] ?? ''}`,
              t,
              HAMLET_STATUS[ev.hamletStatus[h] ?? 0] ?? '',
            );
          }
        }
      }
      // A cluster broadcast that day when it was up at the middle of one of its commune's windows.
      for (let c = info.firstCommune; c < info.endCommune; c++) {
        const windows = model.communes[c]?.schedule ?? [];
        for (let d = model.communeDeviceStart[c] ?? 0; d < (model.communeDeviceStart[c + 1] ?? 0); d++) {
          if (model.deviceMonitored[d] === 0 || model.deviceCluster[d] === 0) continue;
          const up = windows.some((w) => !isDark(d, range.from + ((w.startMin + w.endMin) / 2) * 60_000));
          if (up) broadcasters.add(model.devices[d]?.device ?? '');
        }
      }
      yield summarizeDay(province, day, range, {
        hamlets,
        communes,
        observed: new Map([[province.id, [range]]]),
        broadcasters,
      });
    }
  }
}
