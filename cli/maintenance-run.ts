import {
  MaintenanceError,
  maintenanceLine,
  newWindow,
  readMaintenance,
  utcOffsetMs,
  windowEnd,
  type MaintenanceScope,
  type MaintenanceWindow,
} from '../coverage/index.js';
import { createInfluxQl, createV1Writer, LONG_RETENTION_POLICY } from '../influx/index.js';
import { DEFAULT_TIMEZONE, loadInventory } from '../protocol/index.js';
import type { AddOptions } from './maintenance-cmd.js';
import type { RunRecord } from './record.js';

/** `loa maintenance add`: checks everything first (place, time, reason), so a mistake changes nothing. */
export async function addMaintenance(
  o: AddOptions,
  record: RunRecord,
  now = Date.now(),
): Promise<MaintenanceWindow> {
  const given = (['device', 'hamlet', 'commune'] as const).filter((k) => o[k] !== undefined);
  const [scope] = given;
  if (scope === undefined || given.length > 1)
    throw new MaintenanceError('--device|--hamlet|--commune', 'give exactly one of them');
  const dir = o.inventory ?? record.inventory;
  if (dir === undefined)
    throw new MaintenanceError('--inventory', 'no inventory recorded: pass --inventory DIR');
  const inventory = await loadInventory(dir);
  const window = newWindow(
    inventory,
    { scope: scope satisfies MaintenanceScope, id: o[scope] ?? '', until: o.until, reason: o.reason },
    now,
    (province) => utcOffsetMs(inventory.province(province)?.timezone ?? DEFAULT_TIMEZONE, now),
  );
  await write(record, window);
  return window;
}

export async function listMaintenance(
  record: RunRecord,
  all: boolean,
  now = Date.now(),
): Promise<MaintenanceWindow[]> {
  const ql = createInfluxQl({ url: record.influx, database: record.database });
  try {
    const windows = await readMaintenance(ql, { now });
    return all ? windows : windows.filter((w) => windowEnd(w) > now);
  } finally {
    ql.close();
  }
}

/** `loa maintenance end ID`: rewrites the window's point with its end; an unknown id changes nothing. */
export async function endMaintenance(
  record: RunRecord,
  id: string,
  now = Date.now(),
): Promise<MaintenanceWindow> {
  const windows = await listMaintenance(record, true, now);
  const window = windows.find((w) => w.id === id);
  if (window === undefined) throw new MaintenanceError('id', `no maintenance window "${id}"`);
  if (windowEnd(window) <= now) throw new MaintenanceError('id', `"${id}" has already ended`);
  const ended = { ...window, endedAt: now };
  await write(record, ended);
  return ended;
}

async function write(record: RunRecord, window: MaintenanceWindow): Promise<void> {
  const writer = createV1Writer({
    url: record.influx,
    database: record.database,
    retentionPolicy: LONG_RETENTION_POLICY,
    timeoutMs: 30_000,
    gzip: false,
  });
  await writer.write([maintenanceLine(window)]);
}
