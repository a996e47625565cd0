import type { Command } from 'commander';
import { ConfigError } from './config.js';

/** `loa agent` (the edge agent) and `loa agent log` (hands records to a running one). */
export function registerAgent(program: Command): void {
  const agent = program
    .command('agent')
    .description('run the edge agent of one station or loudspeaker cluster')
    // Not requiredOption: commander would demand it of `agent log` too, which may use --url instead.
    .option('--config <file>', "the agent's YAML file (device id, place, broker, secret); required")
    .option('--broker <url>', 'broker URL, overriding the file (also LOA_BROKER_URL)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace (also LOA_LOG_LEVEL)')
    .addHelpText(
      'after',
      [
        '',
        'The secret comes from LOA_AGENT_SECRET, else from the file: `secret` or `secretFile`; with a',
        'client certificate (`tls.certFile`, `tls.keyFile`) none is needed.',
        '`loa-agent …` runs `loa agent …` with Node.js set to use less memory (as the systemd unit does).',
        'SIGINT/SIGTERM publish the retained shutdown state and disconnect cleanly.',
        'A commented sample: docs/agent.example.yaml; for operators: docs/agent.md.',
        '',
        'Example:',
        '  loa agent --config /etc/loa/agent.yaml --broker mqtts://mqtt.example.vn:8883',
      ].join('\n'),
    )
    .action(async (o: { config?: string; broker?: string; logLevel?: string }) => {
      if (o.config === undefined) throw new ConfigError("required option '--config <file>' not specified");
      // Loaded when it runs, as every command's implementation (cli/main.ts).
      const { resolveAgentConfig, runAgent } = await import('./agent-cmd.js');
      const resolved = await resolveAgentConfig({
        file: o.config,
        flags: { brokerUrl: o.broker, logLevel: o.logLevel },
      });
      await runAgent(resolved, o.config);
    });

  agent
    .command('log')
    .description('hand broadcast and event records to the running agent (its local HTTP endpoint)')
    .argument(
      '[records...]',
      'JSON objects with "channel": "broadcast" or "event"; none: JSON lines on stdin',
    )
    .option('--url <url>', 'the endpoint, instead of local.httpPort from --config')
    .addHelpText(
      'after',
      [
        '',
        'Exit status: 0 all accepted, 1 a record refused (the reason is printed), 75 try again later.',
        'Example:',
        '  loa agent log --config /etc/loa/agent.yaml \'{"channel":"event","type":"amp_fault","ts":1749939150000}\'',
      ].join('\n'),
    )
    .action(async (records: string[], _o: unknown, command: Command) => {
      const o = command.optsWithGlobals<{ config?: string; url?: string }>();
      const { runAgentLog } = await import('./agent-log-cmd.js');
      process.exitCode = await runAgentLog({ ...o, records });
    });
}
