/** The subset of a pino logger the broker uses; `pino()` satisfies it. */
export interface BrokerLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
