import { expect, it } from 'vitest';
import { createRateLimitedLog } from './rate-limited-log.js';

it('logs once per reason per interval, with the number of lines folded into the next one', () => {
  const lines: [Record<string, unknown>, string][] = [];
  let now = 0;
  const log = createRateLimitedLog(
    { warn: (o: object, m?: string) => lines.push([o as Record<string, unknown>, m ?? '']) },
    10_000,
    () => now,
  );
  for (let i = 0; i < 1000; i++) log('schema', { i }, 'message rejected');
  log('invalid_json', { i: 0 }, 'message rejected');
  expect(lines).toHaveLength(2);
  now = 10_000;
  log('schema', { i: 1000 }, 'message rejected');
  expect(lines).toHaveLength(3);
  expect(lines[2]?.[0]).toEqual({ i: 1000, suppressedSinceLast: 999 });
});
