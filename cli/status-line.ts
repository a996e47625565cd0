import type { Messages } from '../i18n/index.js';
import { currentMessages } from './lang.js';

/**
 * The live one-line count of `loa up`: rewritten in place on a terminal, a plain line every 30 s when
 * the output goes to a log.
 */
export interface StatusReading {
  received: number;
  written: number;
  rejected: number;
  buffered: number;
  spilling: boolean;
  devicesOnline: number;
}

export function formatStatus(now: StatusReading, rate: number, m: Messages = currentMessages()): string {
  const line = m.t('status.line', {
    online: now.devicesOnline,
    rate: Math.round(rate),
    written: now.written,
    rejected: now.rejected,
    buffered: now.buffered,
  });
  return now.spilling ? `${line} · ${m.t('status.spilling')}` : line;
}

export function createStatusLine({
  tty,
  read,
  timeZone,
}: {
  tty: boolean;
  read: () => StatusReading;
  /** The province's zone: a log line's time is read by a person, in local time. */
  timeZone: string;
}) {
  const m = currentMessages();
  let timer: NodeJS.Timeout | undefined;
  let last = read();
  let lastAt = Date.now();
  const intervalMs = tty ? 1000 : 30_000;
  return {
    start(): void {
      timer = setInterval(() => {
        const now = read();
        const at = Date.now();
        const rate = ((now.received - last.received) * 1000) / Math.max(1, at - lastAt);
        last = now;
        lastAt = at;
        const line = formatStatus(now, rate, m);
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else process.stdout.write(`${m.time(at, timeZone)} ${line}\n`);
      }, intervalMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      if (tty) process.stdout.write('\n');
    },
  };
}
