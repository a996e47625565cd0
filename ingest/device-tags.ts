import { DEVICE_META, HEARTBEAT, PRESENCE, type Device } from '../protocol/index.js';

/**
 * The series keys (measurement and tags, protocol/storage.ts) of one device's heartbeat, presence and
 * meta points, computed once per device instead of once per message: each message then only adds its
 * fields and time. Tags come from the inventory, never from the payload, so cardinality stays bounded.
 */
export interface DeviceSeries {
  readonly device: Device;
  readonly heartbeat: string;
  readonly presence: string;
  readonly meta: string;
}

export function deviceSeries(device: Device): DeviceSeries {
  const { province, commune } = device;
  const id = device.device;
  return {
    device,
    heartbeat: HEARTBEAT.line.series({
      province,
      commune,
      hamlet: device.hamlets[0],
      device: id,
      kind: device.kind,
      link: device.link,
    }),
    presence: PRESENCE.line.series({ province, commune, device: id }),
    meta: DEVICE_META.line.series({ province, commune, device: id, kind: device.kind }),
  };
}
