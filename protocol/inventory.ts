import type { Criterion, UnitType } from './criterion.js';
import {
  MONITORED_LINKS,
  type InventoryFile,
  type InventoryLink,
  type ScheduleWindow,
} from './inventory-schema.js';
import type { DeviceAddress } from './topic.js';

/** Heartbeat interval assumed for a device whose inventory entry gives none. */
export const DEFAULT_HEARTBEAT_S = 60;

export interface Hamlet {
  id: string;
  name: string;
}

export interface Device extends DeviceAddress {
  kind: 'station' | 'cluster';
  link: InventoryLink;
  /** False for FM receivers and wired horns: they cannot report and count as unmonitored. */
  monitored: boolean;
  hamlets: readonly string[];
  /** The salted hash of the device secret; absent for unmonitored devices. */
  secretHash?: string;
  name?: string;
  model?: string;
  lat?: number;
  lon?: number;
  heartbeatS: number;
}

export interface Commune {
  id: string;
  name: string;
  unit: UnitType;
  formerly: readonly string[];
  province: string;
  schedule: readonly ScheduleWindow[];
  hamlets: readonly Hamlet[];
  devices: readonly Device[];
}

export interface Province {
  id: string;
  name: string;
  timezone: string;
  /** The criterion this province assesses (its inventory's `criterion:` block over the default). */
  criterion: Criterion;
  /** The file it was read from, for messages. */
  file: string;
  communes: readonly Commune[];
}

/** The whole validated inventory with the look-ups every part needs, built once at start-up. */
export class Inventory {
  readonly provinces: readonly Province[];
  private readonly devices: ReadonlyMap<string, Device>;

  private constructor(provinces: Province[], devices: Map<string, Device>) {
    this.provinces = provinces;
    this.devices = devices;
  }

  /** Builds from validated files; throws a DuplicateDeviceError-like message if ids clash across files. */
  static fromFiles(files: readonly { file: string; content: InventoryFile }[]): Inventory {
    const provinces: Province[] = [];
    const devices = new Map<string, Device>();
    const provinceFiles = new Map<string, string>();
    for (const { file, content } of files) {
      const province = content.province.id;
      const earlier = provinceFiles.get(province);
      if (earlier !== undefined)
        throw new Error(`${file}: province "${province}" is already defined in ${earlier}`);
      provinceFiles.set(province, file);
      const communes = content.communes.map((c): Commune => {
        const communeDevices = c.devices.map((d): Device => {
          const device: Device = {
            province,
            commune: c.id,
            device: d.id,
            kind: d.kind,
            link: d.link,
            monitored: (MONITORED_LINKS as readonly string[]).includes(d.link),
            hamlets: d.hamlets,
            heartbeatS: d.heartbeat_s ?? DEFAULT_HEARTBEAT_S,
            ...(d.secret !== undefined && { secretHash: d.secret }),
            ...(d.name !== undefined && { name: d.name }),
            ...(d.model !== undefined && { model: d.model }),
            ...(d.lat !== undefined && { lat: d.lat }),
            ...(d.lon !== undefined && { lon: d.lon }),
          };
          const clash = devices.get(d.id);
          if (clash) {
            throw new Error(
              `${file}: device "${d.id}" in ${province}/${c.id} is already in ${clash.province}/${clash.commune}: device ids are unique nationally`,
            );
          }
          devices.set(d.id, device);
          return device;
        });
        return {
          id: c.id,
          name: c.name,
          unit: c.unit,
          formerly: c.formerly,
          province,
          schedule: c.schedule,
          hamlets: c.hamlets,
          devices: communeDevices,
        };
      });
      provinces.push({
        id: province,
        name: content.province.name,
        timezone: content.timezone,
        criterion: content.criterion,
        file,
        communes,
      });
    }
    return new Inventory(provinces, devices);
  }

  device(id: string): Device | undefined {
    return this.devices.get(id);
  }

  allDevices(): IterableIterator<Device> {
    return this.devices.values();
  }

  get deviceCount(): number {
    return this.devices.size;
  }

  province(id: string): Province | undefined {
    return this.provinces.find((p) => p.id === id);
  }

  commune(province: string, commune: string): Commune | undefined {
    return this.province(province)?.communes.find((c) => c.id === commune);
  }
}
