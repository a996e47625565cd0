import type { Device } from '../protocol/index.js';

/**
 * The tag part of each measurement's lines for one device, computed once per device instead of once
 * per message: inventory slugs need no escaping, and tag keys are already in sorted order as InfluxDB
 * prefers them. Tags come from the inventory, never from the payload, so cardinality stays bounded.
 */
export interface DeviceSeries {
  readonly device: Device;
  readonly heartbeat: string;
  readonly presence: string;
  readonly meta: string;
  /** `,commune=…,device=…` and `,province=…` around the enum tags of broadcast and event lines. */
  readonly commune: string;
  readonly province: string;
}

export function deviceSeries(device: Device): DeviceSeries {
  const commune = `commune=${device.commune},device=${device.device}`;
  const province = `province=${device.province}`;
  const hamlet = device.hamlets[0] === undefined ? '' : `,hamlet=${device.hamlets[0]}`;
  return {
    device,
    heartbeat: `heartbeat,${commune}${hamlet},kind=${device.kind},link=${device.link},${province}`,
    presence: `presence,${commune},${province}`,
    meta: `device_meta,${commune},kind=${device.kind},${province}`,
    commune,
    province,
  };
}
