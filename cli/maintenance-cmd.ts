import type { Command } from 'commander';
import type { MaintenanceWindow } from '../coverage/index.js';
import type { Messages } from '../i18n/index.js';
import { DEFAULT_TIMEZONE, loadInventory, type Inventory } from '../protocol/index.js';
import { currentMessages } from './lang.js';
import { readRecord, type RunRecord } from './record.js';
import { defaultDataDir } from './schema.js';

/**
 * `loa maintenance add|list|end`: maintenance windows per device, hamlet or commune. Alerts about a
 * place under maintenance are held, and let through when the window ends if still true. Windows are
 * stored in the running system's InfluxDB (found through the data folder's run record); the engine
 * reads them within `MAINTENANCE_POLL_S` seconds.
 */
export function registerMaintenance(program: Command): void {
  const maintenance = program
    .command('maintenance')
    .description('maintenance windows: alerts about a device, hamlet or commune are held until they end');

  maintenance
    .command('add')
    .description('start a maintenance window now, for one device, hamlet or commune')
    .option('--device <id>', 'a device id')
    .option('--hamlet <id>', 'a hamlet id (commune/hamlet when the id is not unique)')
    .option('--commune <id>', 'a commune id (province/commune when the id is not unique)')
    .requiredOption(
      '--until <time>',
      'its end: "2026-06-15 17:30" (local time), an ISO time, or +2h / +90m / +1d',
    )
    .requiredOption('--reason <text>', 'why (shown with the window)')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .option('--inventory <dir>', 'inventory folder (default: the one `loa up` recorded)')
    .action(async (o: AddOptions) => {
      const { addMaintenance } = await import('./maintenance-run.js');
      const window = await addMaintenance(o, await readRecord(o.data));
      process.stdout.write(`${window.id}\n`);
    });

  maintenance
    .command('list')
    .description('maintenance windows in force (with --all: those of the last year too)')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .option('--all', 'also windows that ended')
    .option('--json', 'JSON for machines')
    .action(async (o: { data: string; all?: boolean; json?: boolean }) => {
      const { listMaintenance } = await import('./maintenance-run.js');
      const record = await readRecord(o.data);
      const windows = await listMaintenance(record, o.all === true);
      process.stdout.write(
        o.json
          ? `${JSON.stringify(windows, null, 2)}\n`
          : formatMaintenance(windows, currentMessages(), await inventoryOf(record.inventory)),
      );
    });

  maintenance
    .command('end <id>')
    .description('end a maintenance window now: held alerts that are still true go out')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .action(async (id: string, o: { data: string }) => {
      const { endMaintenance } = await import('./maintenance-run.js');
      const window = await endMaintenance(await readRecord(o.data), id);
      process.stdout.write(`${currentMessages().t('maintenance.endedNow', { id: window.id })}\n`);
    });
}

export interface AddOptions {
  device?: string;
  hamlet?: string;
  commune?: string;
  until: string;
  reason: string;
  data: string;
  inventory?: string;
}

export type { RunRecord };

/** The inventory `loa up` recorded, for names and the province's time zone (ids and Vietnam's zone without it). */
export async function inventoryOf(dir: string | undefined): Promise<Inventory | undefined> {
  return dir === undefined ? undefined : loadInventory(dir).catch(() => undefined);
}

/** The place of a window by its inventory names (ids when the inventory does not know it). */
function placeOf(w: MaintenanceWindow, m: Messages, inventory: Inventory | undefined): string {
  const commune = inventory?.commune(w.province, w.commune);
  const province = inventory?.province(w.province);
  const communeName =
    commune === undefined
      ? `${w.province}/${w.commune}`
      : `${commune.name} (${province?.name ?? w.province})`;
  if (w.scope === 'commune') return communeName;
  if (w.scope === 'hamlet') {
    const hamlet = commune?.hamlets.find((h) => h.id === w.target);
    return `${hamlet?.name ?? w.target}, ${communeName}`;
  }
  const device = inventory?.device(w.target);
  const name = device?.name === undefined ? w.target : `${device.name} (${w.target})`;
  return m.t('maintenance.device', { device: name, commune: communeName });
}

/** The windows as a table for people: names, the province's local time, the reader's language. */
export function formatMaintenance(
  windows: readonly MaintenanceWindow[],
  m: Messages,
  inventory: Inventory | undefined,
): string {
  if (windows.length === 0) return `${m.t('maintenance.none')}\n`;
  const lines = windows.map((w) => {
    const zone = inventory?.province(w.province)?.timezone ?? DEFAULT_TIMEZONE;
    const end = w.endedAt > 0 ? Math.min(w.endedAt, w.until) : w.until;
    const ended = w.endedAt > 0 ? ` ${m.t('maintenance.ended')}` : '';
    return `${w.id}  ${placeOf(w, m, inventory)}  ${m.time(w.from, zone)} → ${m.time(end, zone)}${ended}  ${w.reason}`;
  });
  return `${m.t('maintenance.title')}\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
