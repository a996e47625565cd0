import type { Command } from 'commander';
import type { MaintenanceWindow } from '../coverage/index.js';
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
      const windows = await listMaintenance(await readRecord(o.data), o.all === true);
      process.stdout.write(o.json ? `${JSON.stringify(windows, null, 2)}\n` : formatMaintenance(windows));
    });

  maintenance
    .command('end <id>')
    .description('end a maintenance window now: held alerts that are still true go out')
    .option('--data <dir>', 'data folder of the running `loa up`', defaultDataDir())
    .action(async (id: string, o: { data: string }) => {
      const { endMaintenance } = await import('./maintenance-run.js');
      const window = await endMaintenance(await readRecord(o.data), id);
      process.stdout.write(`${window.id} ended\n`);
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

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z';

/** The windows as a table for people. */
export function formatMaintenance(windows: readonly MaintenanceWindow[]): string {
  if (windows.length === 0) return 'Không có đợt bảo trì nào (no maintenance window).\n';
  const lines = windows.map(
    (w) =>
      `${w.id}  ${w.scope} ${w.scope === 'commune' ? `${w.province}/${w.commune}` : `${w.commune}/${w.target}`}  ` +
      `${utc(w.from)} → ${utc(w.endedAt > 0 ? Math.min(w.endedAt, w.until) : w.until)}` +
      `${w.endedAt > 0 ? ' (đã kết thúc)' : ''}  ${w.reason}`,
  );
  return `Bảo trì (maintenance):\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
