import type { EventLogger } from '@hotswap/event-core';

const LEVELS = { error: 50, warn: 40, info: 30 } as const;
const THRESHOLD = { error: 50, warn: 40, info: 30, silent: 100 } as const;

function serializable(record: Record<string, unknown>): Record<string, unknown> {
  const err = record.err;
  if (!(err instanceof Error)) return record;
  return { ...record, err: { type: err.name, message: err.message, stack: err.stack } };
}

/**
 * One JSON object per line on stdout, in the API's log shape (pino's `level`, `time`, `msg`), so the
 * same log pipeline reads both processes; pino itself is not loaded (DR-35).
 */
export class JsonLogger implements EventLogger {
  constructor(
    private readonly level: keyof typeof THRESHOLD,
    private readonly context: string,
  ) {}

  private write(level: keyof typeof LEVELS, record: Record<string, unknown>): void {
    if (LEVELS[level] < THRESHOLD[this.level]) return;
    const line = JSON.stringify({
      level: LEVELS[level],
      time: Date.now(),
      context: this.context,
      ...serializable(record),
    });
    process.stdout.write(`${line}\n`);
  }

  info(record: Record<string, unknown>): void {
    this.write('info', record);
  }

  warn(record: Record<string, unknown>): void {
    this.write('warn', record);
  }

  error(record: Record<string, unknown>): void {
    this.write('error', record);
  }
}
