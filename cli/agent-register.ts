import type { Command } from 'commander';
import {
  AGENT_DESCRIPTION,
  AGENT_FLAGS,
  AGENT_HELP_AFTER,
  AGENT_LOG_ARGUMENT,
  AGENT_LOG_DESCRIPTION,
  AGENT_LOG_FLAGS,
  AGENT_LOG_HELP_AFTER,
  runAgentFromFlags,
  runAgentLogFromFlags,
  type AgentFlag,
  type AgentRunFlags,
} from './agent-cli.js';

function addFlags(command: Command, flags: readonly AgentFlag[]): Command {
  for (const f of flags) command.option(`--${f.name} ${f.value}`, f.description);
  return command;
}

/** `loa agent` (the edge agent) and `loa agent log` (hands records to a running one). */
export function registerAgent(program: Command): void {
  const agent = addFlags(program.command('agent').description(AGENT_DESCRIPTION), AGENT_FLAGS)
    .addHelpText('after', AGENT_HELP_AFTER)
    .action((o: AgentRunFlags) => runAgentFromFlags(o));

  addFlags(agent.command('log').description(AGENT_LOG_DESCRIPTION), AGENT_LOG_FLAGS)
    .argument(AGENT_LOG_ARGUMENT.name, AGENT_LOG_ARGUMENT.description)
    .addHelpText('after', AGENT_LOG_HELP_AFTER)
    .action((records: string[], _o: unknown, command: Command) =>
      runAgentLogFromFlags({ ...command.optsWithGlobals<{ config?: string; url?: string }>(), records }),
    );
}
