import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePayload } from './decode.js';
import { DEFAULT_RETENTION_MS } from './limits.js';
import { channelSchemas } from './messages.js';
import { REJECT_REASON_NAMES, REJECT_REASONS } from './reject.js';
import { CHANNELS, type Channel } from './topic.js';

/** docs/protocol.md is what firmware vendors build from: it must stay true to this module. */
const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');

/** The text of `### \`channel\`` up to the next heading. */
function section(channel: Channel): string {
  const start = doc.indexOf(`### \`${channel}\`\n`);
  expect(start, channel).toBeGreaterThan(-1);
  const next = doc.slice(start + 1).search(/\n#{2,3} /);
  return next === -1 ? doc.slice(start) : doc.slice(start, start + 1 + next);
}

function tableFields(text: string): string[] {
  return [...text.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1] ?? '');
}

describe('docs/protocol.md', () => {
  it.each(CHANNELS)('documents every field of %s, and no other', (channel) => {
    expect(tableFields(section(channel)).sort()).toEqual(Object.keys(channelSchemas[channel].shape).sort());
  });

  it.each(CHANNELS)('gives %s examples that the platform accepts', (channel) => {
    const examples = [...section(channel).matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(examples.length).toBeGreaterThan(0);
    // The examples are of one morning, 2025-06-15 (UTC+7); the platform reads them that evening.
    const window = { now: 1_749_949_200_000 + 60_000, retentionMs: DEFAULT_RETENTION_MS };
    for (const example of examples)
      expect(decodePayload(channel, example, window), example).toMatchObject({ ok: true });
  });

  it('explains every reject reason', () => {
    const rows = doc.slice(doc.indexOf('## 9. Reject reasons'));
    expect(tableFields(rows.slice(0, rows.indexOf('\n## ')))).toEqual(REJECT_REASON_NAMES);
  });

  it('has a reason text for every reject reason', () => {
    for (const reason of REJECT_REASON_NAMES) expect(REJECT_REASONS[reason].length).toBeGreaterThan(0);
  });
});
