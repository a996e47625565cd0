import type { Command } from 'commander';
import { LOA_VERSION } from '../runtime/index.js';
import {
  AGENT_COMMAND,
  AGENT_LOG_COMMAND,
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
  const agent = addFlags(program.command('agent').description(AGENT_COMMAND.description), AGENT_COMMAND.flags)
    .version(LOA_VERSION, '--version', "print Loa's version (the same as `loa --version`)")
    .addHelpText('after', AGENT_COMMAND.helpAfter)
    .action((o: AgentRunFlags) => runAgentFromFlags(o));

  addFlags(agent.command('log').description(AGENT_LOG_COMMAND.description), AGENT_LOG_COMMAND.flags)
    .argument(AGENT_LOG_COMMAND.argument.name, AGENT_LOG_COMMAND.argument.description)
    .addHelpText('after', AGENT_LOG_COMMAND.helpAfter)
    .action((records: string[], _o: unknown, command: Command) =>
      runAgentLogFromFlags({ ...command.optsWithGlobals<{ config?: string; url?: string }>(), records }),
    );
}
