import type { Agent, BroadcastInput, EventInput } from './agent.js';
import { MessageRefusedError } from './outgoing.js';
import { OutboxFullError } from './outbox.js';

/**
 * One record from the playout software, through any of the local ways in (HTTP, the tailed file, `loa
 * agent log`): a JSON object whose `channel` is `broadcast` or `event`, with the fields of that channel
 * as docs/protocol.md §4 gives them (`v` may be left out). It is checked with the protocol's own schema
 * before it is accepted into the outbox.
 */
export type LocalResult = { ok: true } | { ok: false; status: 'refused' | 'full'; error: string };

export async function submitLocalRecord(
  agent: Pick<Agent, 'publishBroadcast' | 'publishEvent'>,
  record: unknown,
): Promise<LocalResult> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { ok: false, status: 'refused', error: '(record): must be a JSON object' };
  }
  const { channel, ...fields } = record as Record<string, unknown>;
  try {
    if (channel === 'broadcast') await agent.publishBroadcast(fields as BroadcastInput);
    else if (channel === 'event') await agent.publishEvent(fields as EventInput);
    else return { ok: false, status: 'refused', error: 'channel: must be "broadcast" or "event"' };
    return { ok: true };
  } catch (error) {
    if (error instanceof MessageRefusedError) {
      return { ok: false, status: 'refused', error: error.problems.join('; ') };
    }
    if (error instanceof OutboxFullError) return { ok: false, status: 'full', error: error.message };
    throw error;
  }
}

/** Parses one line of JSON; a line that is not JSON is refused with the parser's reason. */
export function parseLocalLine(line: string): { record: unknown } | { error: string } {
  try {
    return { record: JSON.parse(line) as unknown };
  } catch (error) {
    return { error: `(record): not JSON: ${(error as Error).message}` };
  }
}
