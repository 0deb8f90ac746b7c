/**
 * Where the framework-free stream code reports trouble: Nest's `Logger` in the API, a JSON line
 * writer in the event gateway (which loads no Nest, DR-35).
 */
export interface EventLogger {
  warn(record: Record<string, unknown>): void;
  error(record: Record<string, unknown>): void;
}

/** Reports nothing (tests, benches). */
export const SILENT_LOGGER: EventLogger = {
  warn: () => undefined,
  error: () => undefined,
};
