import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { Logger } from '../runtime/index.js';
import type { Agent } from './agent.js';
import { parseLocalLine, submitLocalRecord } from './local-input.js';

export interface TailOptions {
  /** The JSON-lines file the playout software appends records to. */
  file: string;
  /** Where the position reached is kept across restarts; in memory when absent (then it starts at 0). */
  stateFile?: string;
  pollMs: number;
  agent: Pick<Agent, 'publishBroadcast' | 'publishEvent'>;
  logger: Logger;
}

export interface Tail {
  start(): Promise<void>;
  close(): Promise<void>;
}

interface Position {
  ino: number;
  offset: number;
}

/** Reads at most this much per poll, so that a huge backlog does not hold the event loop. */
const CHUNK = 256 * 1024;

/**
 * Follows a JSON-lines file: every complete line is one record (see local-input.ts). The position is
 * saved after the lines it covers are accepted, so a restart neither loses nor repeats them; a file
 * that was replaced (new inode) or truncated (rotation) is read again from its start. A refused line is
 * logged with its reason and skipped; a full outbox stops the reading at that line until there is room.
 */
export function createTail(options: TailOptions): Tail {
  let position: Position = { ino: -1, offset: 0 };
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let polling: Promise<void> = Promise.resolve();
  const log = options.logger.child({ tail: options.file });

  const save = async () => {
    if (options.stateFile === undefined) return;
    const temporary = `${options.stateFile}.tmp`;
    await writeFile(temporary, JSON.stringify(position));
    await rename(temporary, options.stateFile);
  };

  const poll = async (): Promise<void> => {
    let info;
    try {
      info = await stat(options.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        log.warn({ err: error }, 'cannot read the tailed file');
      return;
    }
    if (info.ino !== position.ino || info.size < position.offset) {
      if (position.ino !== -1) log.info('tailed file replaced or truncated; reading it from the start');
      position = { ino: info.ino, offset: 0 };
    }
    if (info.size <= position.offset) return;
    const handle = await open(options.file, 'r');
    let data: Buffer;
    try {
      const length = Math.min(CHUNK, info.size - position.offset);
      data = Buffer.alloc(length);
      await handle.read(data, 0, length, position.offset);
    } finally {
      await handle.close();
    }
    let start = 0;
    for (let end = data.indexOf(10); end >= 0; end = data.indexOf(10, start)) {
      const line = data.subarray(start, end).toString('utf8').trim();
      if (line !== '') {
        const parsed = parseLocalLine(line);
        const result =
          'error' in parsed
            ? { ok: false as const, status: 'refused' as const, error: parsed.error }
            : await submitLocalRecord(options.agent, parsed.record);
        if (!result.ok && result.status === 'full') {
          log.warn('outbox full; the tailed file waits');
          break;
        }
        if (!result.ok)
          log.warn({ offset: position.offset + start, error: result.error }, 'local record refused');
      }
      start = end + 1;
    }
    if (start > 0) {
      position = { ...position, offset: position.offset + start };
      await save();
    }
  };

  const schedule = () => {
    if (!running) return;
    timer = setTimeout(() => {
      polling = poll()
        .catch((error: unknown) => {
          log.warn({ err: error }, 'tailing failed; retrying');
        })
        .finally(schedule);
    }, options.pollMs);
  };

  return {
    async start() {
      if (options.stateFile !== undefined) {
        try {
          position = JSON.parse(await readFile(options.stateFile, 'utf8')) as Position;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            log.warn({ err: error }, 'tail position unreadable; reading the file from the start');
          }
        }
      }
      running = true;
      polling = poll()
        .catch((error: unknown) => {
          log.warn({ err: error }, 'tailing failed; retrying');
        })
        .finally(schedule);
      await polling;
    },
    async close() {
      running = false;
      clearTimeout(timer);
      await polling;
    },
  };
}
