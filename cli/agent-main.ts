import { parseArgs } from 'node:util';
import { LOA_VERSION } from '../runtime/index.js';
import {
  AGENT_COMMAND,
  AGENT_LOG_COMMAND,
  runAgentFromFlags,
  runAgentLogFromFlags,
  type AgentFlag,
} from './agent-cli.js';
import { ConfigError } from './config.js';
import { exitOnError } from './exit.js';

/**
 * `loa-agent`: the edge agent's own program, `loa agent` and `loa agent log` without the rest of `loa`.
 * The build bundles it and everything it imports into one file, dist/loa-agent.mjs
 * (scripts/bundle-agent.ts): on a box held to 60 MB, the ~300 modules of the agent loaded one by one
 * cost about 4 MB more than the same code in one file (docs/agent.md §8), and one file runs where only
 * Node.js is installed. Its flags are those of `loa agent` (cli/agent-cli.ts), parsed without commander.
 */

/** `log` takes the `--config` of `agent` (to find the endpoint's port) beside its own flags. */
const LOG_FLAGS = [...AGENT_COMMAND.flags.filter((f) => f.name === 'config'), ...AGENT_LOG_COMMAND.flags];

function usage(log: boolean): string {
  const command = log ? AGENT_LOG_COMMAND : AGENT_COMMAND;
  const flags = log ? LOG_FLAGS : AGENT_COMMAND.flags;
  const lines = flags.map((f) => [`--${f.name} ${f.value}`, f.description]);
  lines.push(['-h, --help', 'this help']);
  if (!log) lines.push(['--version', "print Loa's version (the same as `loa --version`)"]);
  const width = Math.max(...lines.map(([flag = '']) => flag.length)) + 2;
  return [
    log ? `Usage: loa-agent log [options] ${AGENT_LOG_COMMAND.argument.name}` : 'Usage: loa-agent [options]',
    `       (the same as \`loa agent${log ? ' log' : ''} …\`)`,
    '',
    command.description,
    ...(log ? ['', `${AGENT_LOG_COMMAND.argument.name}  ${AGENT_LOG_COMMAND.argument.description}`] : []),
    '',
    'Options:',
    ...lines.map(([flag = '', text = '']) => `  ${flag.padEnd(width)}${text}`),
    ...(log
      ? []
      : ['', 'Commands:', `  log ${AGENT_LOG_COMMAND.argument.name}  ${AGENT_LOG_COMMAND.description}`]),
    command.helpAfter,
    '',
  ].join('\n');
}

function parse(
  args: string[],
  flags: readonly AgentFlag[],
  positionals: boolean,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: {
        ...Object.fromEntries(flags.map((f) => [f.name, { type: 'string' as const }])),
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      allowPositionals: positionals,
      strict: true,
    });
  } catch (error) {
    // parseArgs names the unknown flag or the missing value; the user also needs to know where to look.
    throw new ConfigError(`${(error as Error).message} (see loa-agent --help)`);
  }
}

async function main(argv: string[]): Promise<void> {
  const log = argv[0] === 'log';
  const { values, positionals } = log
    ? parse(argv.slice(1), LOG_FLAGS, true)
    : parse(argv, AGENT_COMMAND.flags, false);
  const flag = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  if (values.help === true) {
    process.stdout.write(usage(log));
    return;
  }
  if (values.version === true) {
    process.stdout.write(`${LOA_VERSION}\n`);
    return;
  }
  if (log) {
    await runAgentLogFromFlags({ config: flag('config'), url: flag('url'), records: positionals });
    return;
  }
  await runAgentFromFlags(
    { config: flag('config'), broker: flag('broker'), logLevel: flag('log-level') },
    // One file cannot start pino's pretty-printing worker; journald wants JSON lines anyway.
    { jsonLogs: true },
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  exitOnError('loa-agent', error);
});
