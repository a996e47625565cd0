/** The composition root: the `loa` commands and the one-machine stack they run. */
export { createLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';
export { readRecord, writeRecord, type RunRecord } from './record.js';
/** What the docs test checks docs/agent.md against: the agent's flags and its file's settings. */
export { AGENT_COMMAND, AGENT_LOG_COMMAND } from './agent-cli.js';
export { agentFileSchema } from './schema.js';
