import { ConfigError } from './config.js';

/**
 * The command line of the edge agent, declared once for its two front doors: `loa agent` (commander, in
 * cli/agent-register.ts) and `loa-agent`, the agent's own program (node:util's parseArgs, in
 * cli/agent-main.ts), which must not load the rest of `loa`.
 */
export interface AgentFlag {
  /** The long flag without its dashes. */
  name: string;
  /** Its value's placeholder, as help shows it. */
  value: string;
  description: string;
}

const AGENT_FLAGS: readonly AgentFlag[] = [
  // Not required of the parser: `agent log` shares it and may use --url instead.
  {
    name: 'config',
    value: '<file>',
    description: "the agent's YAML file (device id, place, broker, secret); required",
  },
  { name: 'broker', value: '<url>', description: 'broker URL, overriding the file (also LOA_BROKER_URL)' },
  {
    name: 'log-level',
    value: '<level>',
    description: 'fatal, error, warn, info, debug or trace (also LOA_LOG_LEVEL)',
  },
];

const AGENT_HELP_AFTER = [
  '',
  'The secret comes from LOA_AGENT_SECRET, else from the file: `secret` or `secretFile`; with a',
  'client certificate (`tls.certFile`, `tls.keyFile`) none is needed.',
  '`loa-agent …` runs `loa agent …` with Node.js set to use less memory (as the systemd unit does).',
  'SIGINT/SIGTERM publish the retained shutdown state and disconnect cleanly.',
  'A commented sample: docs/agent.example.yaml; for operators: docs/agent.md.',
  '',
  'Example:',
  '  loa agent --config /etc/loa/agent.yaml --broker mqtts://mqtt.example.vn:8883',
].join('\n');

const AGENT_LOG_FLAGS: readonly AgentFlag[] = [
  { name: 'url', value: '<url>', description: 'the endpoint, instead of local.httpPort from --config' },
];

const AGENT_LOG_HELP_AFTER = [
  '',
  'Exit status: 0 all accepted, 1 a record refused (the reason is printed), 75 try again later.',
  'Example:',
  '  loa agent log --config /etc/loa/agent.yaml \'{"channel":"event","type":"amp_fault","ts":1749939150000}\'',
].join('\n');

/** `agent`: its description, flags and the text after its help. */
export const AGENT_COMMAND = {
  description: 'run the edge agent of one station or loudspeaker cluster',
  flags: AGENT_FLAGS,
  helpAfter: AGENT_HELP_AFTER,
};

/** `agent log`, which also takes the `--config` of `agent`. */
export const AGENT_LOG_COMMAND = {
  description: 'hand broadcast and event records to the running agent (its local HTTP endpoint)',
  argument: {
    name: '[records...]',
    description: 'JSON objects with "channel": "broadcast" or "event"; none: JSON lines on stdin',
  },
  flags: AGENT_LOG_FLAGS,
  helpAfter: AGENT_LOG_HELP_AFTER,
};

/** The flags of `agent`, as parsed, camel-cased. */
export interface AgentRunFlags {
  config?: string;
  broker?: string;
  logLevel?: string;
}

/**
 * What both front doors run for `agent`. `jsonLogs`: log JSON lines even on a terminal (`loa-agent`,
 * whose single file cannot start pino's pretty-printing worker).
 */
export async function runAgentFromFlags(
  o: AgentRunFlags,
  options: { jsonLogs?: boolean } = {},
): Promise<void> {
  if (o.config === undefined) throw new ConfigError("required option '--config <file>' not specified");
  // Loaded when it runs, as every command's implementation (cli/program.ts).
  const { resolveAgentConfig, runAgent } = await import('./agent-cmd.js');
  const resolved = await resolveAgentConfig({
    file: o.config,
    flags: { brokerUrl: o.broker, logLevel: o.logLevel },
  });
  await runAgent(resolved, o.config, options);
}

/** What both front doors run for `agent log`; sets the exit status. */
export async function runAgentLogFromFlags(o: {
  config?: string;
  url?: string;
  records: string[];
}): Promise<void> {
  const { runAgentLog } = await import('./agent-log-cmd.js');
  process.exitCode = await runAgentLog(o);
}
