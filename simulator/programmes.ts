import type { BroadcastInput } from '../devices/index.js';

/**
 * What the daily windows carry, in order: the national VOV relay, then provincial and commune programmes
 * (docs/design.md#the-problem). A window past the list carries the last entry.
 */
export const WINDOW_CONTENT = [
  { source: 'national', program: 'Thời sự VOV' },
  { source: 'provincial', program: 'Bản tin tỉnh' },
  { source: 'commune', program: 'Bản tin xã' },
] as const satisfies readonly { source: BroadcastInput['source']; program: string }[];
