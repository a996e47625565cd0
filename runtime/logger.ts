import { pino, type Logger as PinoLogger } from 'pino';

/**
 * The one logger type of Loa: what every part is handed and logs through. A pino logger fits it
 * (createLogger, silentLogger, recordingLogger). Log an error whole under `err` —
 * `logger.warn({ err }, 'what failed')` — so that pino's serialiser keeps its type, message, stack and
 * cause; `{ error: e.message }` would keep the message only.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** A logger adding `bindings` to every line (`{ part: 'ingest' }`, `{ device }`). */
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * JSON lines for machines (journald, log shippers), pretty text when a person watches a terminal
 * (docs/design.md#commands). `LOA_LOG_LEVEL` sets the level.
 */
export function createLogger(options: { name: string; level?: string; pretty?: boolean }): PinoLogger {
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
export function silentLogger(): PinoLogger {
  return pino({ level: 'silent' });
}

/** One line as pino writes it, parsed: `level` by name, `msg`, the bindings and fields (`err` serialised). */
export interface LogEntry {
  level: string;
  msg?: string;
  [field: string]: unknown;
}

/**
 * A real pino logger at `debug` that hands each line to `record` instead of a stream, for tests that
 * check what is logged (an error keeps its stack: `entry.err.stack`).
 */
export function recordingLogger(record: (entry: LogEntry) => void): PinoLogger {
  return pino(
    { level: 'debug', formatters: { level: (label) => ({ level: label }) } },
    {
      write(line: string) {
        record(JSON.parse(line) as LogEntry);
      },
    },
  );
}
