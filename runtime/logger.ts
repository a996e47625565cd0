import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON lines for machines (journald, log shippers), pretty text when a person watches a terminal
 * (docs/design.md#commands). `LOA_LOG_LEVEL` sets the level.
 */
export function createLogger(options: { name: string; level?: string; pretty?: boolean }): Logger {
  const level = options.level ?? process.env.LOA_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.stderr.isTTY && process.env.LOA_LOG_FORMAT !== 'json');
  if (pretty) {
    return pino({
      name: options.name,
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ name: options.name, level }, pino.destination(2));
}

/** A logger that drops everything, for tests and benchmarks that assert on behaviour, not on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
