import type { Criterion, Device, Inventory, ScheduleWindow, UnitType } from '../protocol/index.js';

/**
 * The inventory flattened once into dense indices and typed arrays, so that evaluating a national
 * fleet is a few linear passes over numbers instead of walks over objects (docs/design.md#targets: ≤ 25 ms for
 * 150,000 devices). Device, hamlet and commune numbers are positions in these arrays.
 */
export interface CoverageModel {
  readonly devices: readonly Device[];
  readonly deviceIndex: ReadonlyMap<string, number>;
  /** Per device: its commune number. */
  readonly deviceCommune: Int32Array;
  /** Per device: 1 when it reports (4g, ethernet, wifi). */
  readonly deviceMonitored: Uint8Array;
  /** Per device: 1 for a cluster, 0 for a station. */
  readonly deviceCluster: Uint8Array;
  /** Per device: 3 × heartbeat interval, in ms: the age after which it is down (at most 3 h: 32 bits). */
  readonly deviceTimeoutMs: Uint32Array;
  /** Hamlets served by device d: `deviceHamlets[deviceHamletStart[d] .. deviceHamletStart[d+1])`. */
  readonly deviceHamletStart: Int32Array;
  readonly deviceHamlets: Int32Array;
  /** Clusters serving hamlet h: `hamletDevices[hamletDeviceStart[h] .. hamletDeviceStart[h+1])`. */
  readonly hamletDeviceStart: Int32Array;
  readonly hamletDevices: Int32Array;
  readonly hamletIds: readonly string[];
  readonly hamletNames: readonly string[];
  readonly hamletCommune: Int32Array;
  /** Hamlets of commune c: `communeHamletStart[c] .. communeHamletStart[c+1]` (contiguous). */
  readonly communeHamletStart: Int32Array;
  /** Devices of commune c: `communeDeviceStart[c] .. communeDeviceStart[c+1]` (contiguous). */
  readonly communeDeviceStart: Int32Array;
  readonly communes: readonly CommuneInfo[];
  readonly provinces: readonly ProvinceInfo[];
}

export interface CommuneInfo {
  id: string;
  name: string;
  province: string;
  provinceIndex: number;
  /** xã, phường or đặc khu; `formerly`: the communes merged into it (names). */
  unit: UnitType;
  formerly: readonly string[];
  /** Whether its province's criterion applies to its unit type (new-rural criteria: xã only). */
  assessed: boolean;
  schedule: readonly ScheduleWindow[];
  /** Stations of the commune (device numbers), FM and wired ones included: present, unverifiable. */
  stations: readonly number[];
}

export interface ProvinceInfo {
  id: string;
  name: string;
  timezone: string;
  /** The criterion the province assesses (its inventory's `criterion:` block over the default). */
  criterion: Criterion;
  /** Offset of local time from UTC in ms, for local days and schedule windows. */
  utcOffsetMs: number;
  firstCommune: number;
  endCommune: number;
}

/** Builds the model; `at` fixes the UTC offset of each time zone (Vietnam keeps no summer time). */
export function buildModel(inventory: Inventory, at: number = Date.now()): CoverageModel {
  const devices: Device[] = [];
  const deviceIndex = new Map<string, number>();
  const communes: CommuneInfo[] = [];
  const provinces: ProvinceInfo[] = [];
  const hamletIds: string[] = [];
  const hamletNames: string[] = [];
  const hamletCommuneList: number[] = [];
  const communeHamletStart: number[] = [];
  const communeDeviceStart: number[] = [];
  const deviceHamletLists: number[][] = [];

  for (const province of inventory.provinces) {
    const firstCommune = communes.length;
    for (const commune of province.communes) {
      const c = communes.length;
      communeHamletStart.push(hamletIds.length);
      communeDeviceStart.push(devices.length);
      const local = new Map<string, number>();
      for (const hamlet of commune.hamlets) {
        local.set(hamlet.id, hamletIds.length);
        hamletIds.push(hamlet.id);
        hamletNames.push(hamlet.name);
        hamletCommuneList.push(c);
      }
      const stations: number[] = [];
      for (const device of commune.devices) {
        const d = devices.length;
        devices.push(device);
        deviceIndex.set(device.device, d);
        if (device.kind === 'station') stations.push(d);
        deviceHamletLists.push(
          device.kind === 'cluster'
            ? device.hamlets.map((h) => local.get(h)).filter((h): h is number => h !== undefined)
            : [],
        );
      }
      communes.push({
        id: commune.id,
        name: commune.name,
        province: province.id,
        provinceIndex: provinces.length,
        unit: commune.unit,
        formerly: commune.formerly,
        assessed: province.criterion.appliesTo.includes(commune.unit),
        schedule: commune.schedule,
        stations,
      });
    }
    provinces.push({
      id: province.id,
      name: province.name,
      timezone: province.timezone,
      criterion: province.criterion,
      utcOffsetMs: utcOffsetMs(province.timezone, at),
      firstCommune,
      endCommune: communes.length,
    });
  }
  communeHamletStart.push(hamletIds.length);
  communeDeviceStart.push(devices.length);

  const nd = devices.length;
  const nh = hamletIds.length;
  const deviceHamletStart = new Int32Array(nd + 1);
  const counts = new Int32Array(nh + 1);
  let edges = 0;
  for (let d = 0; d < nd; d++) {
    deviceHamletStart[d] = edges;
    const list = deviceHamletLists[d] ?? [];
    edges += list.length;
    for (const h of list) counts[h + 1] = (counts[h + 1] ?? 0) + 1;
  }
  deviceHamletStart[nd] = edges;
  const deviceHamlets = new Int32Array(edges);
  const hamletDeviceStart = new Int32Array(nh + 1);
  for (let h = 0; h < nh; h++) hamletDeviceStart[h + 1] = (hamletDeviceStart[h] ?? 0) + (counts[h + 1] ?? 0);
  const fill = hamletDeviceStart.slice(0, nh);
  const hamletDevices = new Int32Array(edges);
  let e = 0;
  for (let d = 0; d < nd; d++) {
    for (const h of deviceHamletLists[d] ?? []) {
      deviceHamlets[e++] = h;
      hamletDevices[fill[h] ?? 0] = d;
      fill[h] = (fill[h] ?? 0) + 1;
    }
  }

  const deviceCommune = new Int32Array(nd);
  const deviceMonitored = new Uint8Array(nd);
  const deviceCluster = new Uint8Array(nd);
  const deviceTimeoutMs = new Uint32Array(nd);
  for (let c = 0; c < communes.length; c++) {
    for (let d = communeDeviceStart[c] ?? 0; d < (communeDeviceStart[c + 1] ?? 0); d++) deviceCommune[d] = c;
  }
  devices.forEach((device, d) => {
    deviceMonitored[d] = device.monitored ? 1 : 0;
    deviceCluster[d] = device.kind === 'cluster' ? 1 : 0;
    deviceTimeoutMs[d] = 3 * device.heartbeatS * 1000;
  });

  return {
    devices,
    deviceIndex,
    deviceCommune,
    deviceMonitored,
    deviceCluster,
    deviceTimeoutMs,
    deviceHamletStart,
    deviceHamlets,
    hamletDeviceStart,
    hamletDevices,
    hamletIds,
    hamletNames,
    hamletCommune: Int32Array.from(hamletCommuneList),
    communeHamletStart: Int32Array.from(communeHamletStart),
    communeDeviceStart: Int32Array.from(communeDeviceStart),
    communes,
    provinces,
  };
}

/** The offset of a zone from UTC at one instant, from Intl (no time-zone database of our own). */
export function utcOffsetMs(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

export const DAY_MS = 86_400_000;

/** The local day number (days since 1970-01-01 local) of an instant. */
export function localDay(ms: number, utcOffset: number): number {
  return Math.floor((ms + utcOffset) / DAY_MS);
}

/** `province/commune`: a commune's id across inventories (a reload renumbers communes). */
export function communeKey(model: CoverageModel, c: number): string {
  const commune = model.communes[c];
  return `${commune?.province ?? ''}/${commune?.id ?? ''}`;
}

/** `province/commune/hamlet`: a hamlet's id across inventories. */
export function hamletKey(model: CoverageModel, h: number): string {
  return `${communeKey(model, model.hamletCommune[h] ?? 0)}/${model.hamletIds[h] ?? ''}`;
}
