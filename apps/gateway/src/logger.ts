import { type Logger, pino } from 'pino';

/** Options of {@link createGatewayLogger}. */
export interface GatewayLoggerOptions {
  /** The lowest level written (default `info`); `silent` for none. */
  readonly level?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** The file descriptor written to (default 2, stderr, so stdout keeps a program's own output). */
  readonly fd?: number;
}

/**
 * A pino logger writing JSON lines, for the gateway (`logger`) and, as a child, the registry node it
 * serves (`createRegistry({ logger: logger.child({ component: 'registry' }) })`), so that a node's
 * log is one stream.
 * @example
 * const logger = createGatewayLogger();
 * const registry = await createRegistry({ dataDir, logger: logger.child({ component: 'registry' }) });
 * await startGateway({ registry, logger });
 */
export function createGatewayLogger(options: GatewayLoggerOptions = {}): Logger {
  return pino({ level: options.level ?? 'info' }, pino.destination({ dest: options.fd ?? 2, sync: true }));
}
