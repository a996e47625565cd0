// The logging surface influx/ needs: a pino logger fits, and so does a test's stub.
import type { Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug'>;
