import type { Criterion } from '../protocol/index.js';

/**
 * What alerts say to people, Vietnamese first, with place names and the province's local time. One
 * small function per message, taking plain values, so that a catalogue per language can replace them
 * one by one. Ids, kinds and JSON fields stay language-free.
 */

/** Local time as people in Vietnam write it: `05:12 15/06/2026`; "chưa bao giờ" for never. */
export function viTime(ms: number, utcOffsetMs: number): string {
  if (ms <= 0) return 'chưa bao giờ';
  const iso = new Date(ms + utcOffsetMs).toISOString();
  return `${iso.slice(11, 16)} ${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

/** `Xã Vĩnh An (An Giang)`; with a hamlet `Ấp An Hòa, Xã Vĩnh An (An Giang)`. */
export function placeText(commune: string, province: string, hamlet?: string): string {
  return `${hamlet === undefined ? '' : `${hamlet}, `}${commune} (${province})`;
}

/** `tiêu chí 8.3 "Xã có đài truyền thanh …"`, or without a number when the edition has none. */
export function criterionText(c: Criterion): string {
  return `tiêu chí ${c.number === '' ? '' : `${c.number} `}"${c.name.vi}"`;
}

export const kindText = (kind: 'station' | 'cluster'): string => (kind === 'station' ? 'Đài' : 'Cụm loa');

export interface DeviceWhy {
  /** Name or id of the device. */
  label: string;
  link: string;
  /** `up`, `unmonitored`, `never`, `down`, `stopped`, `maintenance`. */
  state: 'up' | 'unmonitored' | 'never' | 'down' | 'stopped' | 'maintenance';
  since?: string;
  causes?: readonly string[];
}

/** One device in a list of why a place is silent: `vinh-an-c01 (4g, mất kết nối từ …: …)`. */
export function deviceWhyText(w: DeviceWhy): string {
  switch (w.state) {
    case 'up':
      return `${w.label} (${w.link}, đang hoạt động)`;
    case 'unmonitored':
      return `${w.label} (${w.link}, không tự báo được: không kiểm tra được)`;
    case 'never':
      return `${w.label} (${w.link}, chưa từng gửi dữ liệu)`;
    case 'stopped':
      return `${w.label} (${w.link}, được tắt chủ động từ ${w.since ?? ''})`;
    case 'maintenance':
      return `${w.label} (${w.link}, đang bảo trì từ ${w.since ?? ''})`;
    case 'down':
      return `${w.label} (${w.link}, mất hoạt động từ ${w.since ?? ''}: ${(w.causes ?? []).join(', ')})`;
    default:
      return w.state satisfies never;
  }
}

export const causeText = {
  amp: 'ampli hỏng',
  relay: 'rơ-le bảo vệ đã ngắt',
  disconnected: 'mất kết nối',
  silentSince: (time: string) => `không nhận được dữ liệu từ ${time}`,
};

export function deviceOfflineText(o: {
  kind: 'station' | 'cluster';
  why: string;
  place: string;
  serves: string;
}): string {
  return `${kindText(o.kind)} ${o.why} tại ${o.place}; phục vụ: ${o.serves}.`;
}

export const deviceServesStudio = 'phòng phát thanh của xã';

export function deviceBackText(label: string, place: string): string {
  return `${label} tại ${place} đã hoạt động trở lại.`;
}

export function onBatteryText(label: string, place: string, since: string): string {
  return `${label} tại ${place} mất điện lưới từ ${since}, đang chạy bằng nguồn dự phòng.`;
}

export function onMainsText(label: string, place: string): string {
  return `${label} tại ${place} đã có điện lưới trở lại.`;
}

export function hamletUncoveredText(place: string, since: string, devices: string): string {
  return `${place}: không còn cụm loa nào hoạt động từ ${since}. Cụm loa phục vụ: ${devices}.`;
}

/** IP clusters down, FM/wired ones present: they may still play, nobody can tell. */
export function hamletUnverifiedText(
  place: string,
  since: string,
  down: string,
  unmonitored: string,
): string {
  return (
    `${place}: các cụm loa IP đều ngừng hoạt động từ ${since} (${down}); ` +
    `cụm loa FM/có dây (${unmonitored}) không kiểm tra được từ xa: cần xác minh tại chỗ.`
  );
}

export function hamletBackText(place: string, outSince: string): string {
  return `${place}: đã có cụm loa hoạt động trở lại (gián đoạn từ ${outSince}).`;
}

export function communeAtRiskText(o: {
  place: string;
  criterion: string;
  since: string;
  gaps: string;
  beyondGrace: boolean;
}): string {
  const grace = o.beyondGrace ? ' (đã quá thời gian cho phép)' : '';
  return `${o.place} có nguy cơ không đạt ${o.criterion} từ ${o.since}${grace}: ${o.gaps}.`;
}

export function communeSafeText(place: string, criterion: string): string {
  return `${place}: hết nguy cơ không đạt ${criterion}.`;
}

export const gapText = {
  stationDown: 'đài truyền thanh xã mất hoạt động',
  hamletAtRisk: (name: string) => `${name} mất phủ loa`,
  hamletUncovered: (name: string) => `${name} mất phủ loa quá thời gian cho phép`,
  hamletUnserved: (name: string) => `${name} chưa có cụm loa nào trong danh mục`,
  irregular: (days: number, window: number, names: string) =>
    `phát thanh dưới ${days} ngày trong ${window + 1} ngày gần nhất: ${names}`,
};

export function broadcastMissedText(o: {
  place: string;
  window: string;
  day: string;
  devices: string;
  count: number;
}): string {
  return `${o.place}: khung giờ phát ${o.window} ngày ${o.day} đã qua mà ${o.count} cụm loa đang hoạt động không ghi nhận buổi phát nào: ${o.devices}.`;
}

export function broadcastKeptText(place: string, window: string): string {
  return `${place}: mọi cụm loa đang hoạt động đã ghi nhận khung giờ ${window}.`;
}

export function emergencyUndeliveredText(o: {
  bulletin: string;
  place: string;
  played: number;
  since: string;
  missing: string;
}): string {
  return `Bản tin khẩn ${o.bulletin} tại ${o.place}: ${o.played} cụm loa đã phát từ ${o.since}, chưa phát: ${o.missing}.`;
}

export function emergencyDeliveredText(bulletin: string, place: string): string {
  return `Bản tin khẩn ${bulletin} tại ${place}: mọi cụm loa đã phát.`;
}

export function removedText(what: string): string {
  return `${what} đã bị xoá khỏi danh mục.`;
}

export function goneFromInventoryText(commune: string, province: string): string {
  return `${commune} (${province}, không còn trong danh mục)`;
}
