import type { Alert } from './alert.js';
import { deviceLabel } from './describe.js';
import type { AlertTexts } from './messages.js';
import type { CoverageModel } from './model.js';

// Places by number (the model's) and by id (an alert's `where`): the names alerts show and the look-ups
// between the two. An alert may outlive its place in the inventory (a reload removed it).

/** The UTC offset of commune c's province. */
export function offsetOf(model: CoverageModel, c: number): number {
  return model.provinces[model.communes[c]?.provinceIndex ?? 0]?.utcOffsetMs ?? 0;
}

/** The `where` of an alert about commune c. */
export function whereOf(model: CoverageModel, c: number): { province: string; commune: string } {
  const commune = model.communes[c];
  return { province: commune?.province ?? '', commune: commune?.id ?? '' };
}

/** A commune's number from its ids; -1 when the inventory has no such commune. */
export function communeIndex(model: CoverageModel, w: { province: string; commune: string }): number {
  return model.communes.findIndex((x) => x.id === w.commune && x.province === w.province);
}

/** The criterion of commune c's province. */
export function criterionOf(model: CoverageModel, c: number) {
  return model.provinces[model.communes[c]?.provinceIndex ?? 0]?.criterion;
}

/** A commune (or a hamlet of it) by name, with its province. */
export function placeName(model: CoverageModel, say: AlertTexts, c: number, hamlet?: number): string {
  const commune = model.communes[c];
  const province = model.provinces[commune?.provinceIndex ?? 0];
  return say.place(
    commune?.name ?? '',
    province?.name ?? '',
    hamlet === undefined ? undefined : (model.hamletNames[hamlet] ?? ''),
  );
}

/** The commune of an alert; the first one when it is gone from the inventory. */
export function communeOf(model: CoverageModel, alert: Alert): number {
  const c = communeIndex(model, alert.where);
  return c < 0 ? 0 : c;
}

/** The commune (and hamlet) numbers of an alert's place; undefined when gone from the inventory. */
export function placeIndex(model: CoverageModel, w: Alert['where']): { c: number; h?: number } | undefined {
  const c = communeIndex(model, w);
  if (c < 0) return undefined;
  if (w.hamlet === undefined) return { c };
  for (let h = model.communeHamletStart[c] ?? 0; h < (model.communeHamletStart[c + 1] ?? 0); h++) {
    if (model.hamletIds[h] === w.hamlet) return { c, h };
  }
  return undefined;
}

/** Whether the place an alert is about (device, hamlet or commune) is in this inventory. */
export function inModel(model: CoverageModel, w: Alert['where']): boolean {
  if (w.device !== undefined) return model.deviceIndex.has(w.device);
  return placeIndex(model, w) !== undefined;
}

/** The commune of an alert by name; after an inventory change it may be gone from the model. */
export function alertPlace(model: CoverageModel, say: AlertTexts, alert: Alert): string {
  const p = placeIndex(model, { province: alert.where.province, commune: alert.where.commune });
  return p ? placeName(model, say, p.c) : say.goneFromInventory(alert.where.commune, alert.where.province);
}

/** The hamlet of an alert by name, with its commune. */
export function alertHamletPlace(model: CoverageModel, say: AlertTexts, alert: Alert): string {
  const p = placeIndex(model, alert.where);
  return p
    ? placeName(model, say, p.c, p.h)
    : `${alert.where.hamlet ?? ''}, ${alertPlace(model, say, alert)}`;
}

/** The device of an alert by the name people know it by (its id once gone from the inventory). */
export function alertDevice(model: CoverageModel, say: AlertTexts, alert: Alert): string {
  const d = model.deviceIndex.get(alert.where.device ?? '');
  return d === undefined ? (alert.where.device ?? '') : deviceLabel(model, d, say);
}
