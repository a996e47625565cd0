import { Command } from 'commander';
import { registerAgent } from './agent-register.js';
import { registerBroker } from './broker-register.js';
import { addLangOption } from './lang.js';
import { registerCoverage } from './coverage-cmd.js';
import { registerIngest } from './ingest-register.js';
import { registerReport } from './report-cmd.js';
import { registerDashboards } from './dashboards-cmd.js';
import { registerMaintenance } from './maintenance-cmd.js';
import { registerSecret } from './secret-cmd.js';
import { registerSimulate } from './simulate-register.js';
import { registerUp } from './up-register.js';
import { LOA_VERSION } from '../runtime/index.js';

/**
 * `loa`: one binary for every part (docs/design.md#commands). Every command has --help.
 * Each command loads its implementation when it runs, not before: `loa agent` on a small box must not pay
 * for the broker, the ingest and InfluxDB clients in memory (docs/performance.md, agent RSS).
 */
export function createProgram(): Command {
  const program = new Command('loa')
    .description('Loa: telemetry for commune loudspeaker radio (the new-rural loudspeaker criterion)')
    .version(LOA_VERSION)
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });

  registerUp(program);
  registerIngest(program);
  registerBroker(program);
  registerAgent(program);
  registerSimulate(program);
  registerSecret(program);
  registerCoverage(program);
  registerReport(program);
  registerMaintenance(program);
  registerDashboards(program);
  addLangOption(program);
  return program;
}
