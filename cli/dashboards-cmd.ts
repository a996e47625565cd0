import path from 'node:path';
import type { Command } from 'commander';
import { loadInventory } from '../protocol/index.js';
import { currentLang, currentMessages } from './lang.js';

/** `loa dashboards build`: the Grafana provisioning tree (data sources, dashboards, alert rules). */
export function registerDashboards(program: Command): void {
  const dashboards = program.command('dashboards').description('Grafana dashboards, provisioned from files');
  dashboards
    .command('build')
    .description(
      'write the Grafana provisioning tree: datasources/, dashboards/, alerting/ (docs/grafana.md)',
    )
    .option('--out <dir>', 'folder to write into', path.join('dashboards', 'provisioning'))
    .option('--inventory <dir>', 'province inventory: the place drop-downs then show Vietnamese names')
    .option(
      '--default-datasource',
      "make Loa's InfluxDB Grafana's default data source (off: it never takes over)",
    )
    .addHelpText(
      'after',
      [
        '',
        'Example (a Grafana on this machine):',
        '  loa dashboards build --inventory /etc/loa/inventory --out /etc/grafana/provisioning',
        '  systemctl restart grafana-server',
        '',
        'Titles, panels, legends and column headers are in Vietnamese; --lang en writes them in English.',
      ].join('\n'),
    )
    .action(async (o: { out: string; inventory?: string; defaultDatasource?: boolean }) => {
      // Loaded only for this command: the dashboard SDK would otherwise sit in the memory of `loa up`.
      const { placeNames, writeProvisioning } = await import('../dashboards/index.js');
      const names = o.inventory === undefined ? undefined : placeNames(await loadInventory(o.inventory));
      const files = await writeProvisioning(o.out, names, {
        lang: currentLang(),
        defaultDatasource: o.defaultDatasource === true,
      });
      const m = currentMessages();
      process.stdout.write(
        `${m.t('dashboards.wrote', { files: m.t('count.files', { n: files.length }), dir: o.out })}\n`,
      );
      for (const file of files) process.stdout.write(`  ${path.join(o.out, file)}\n`);
    });
}
