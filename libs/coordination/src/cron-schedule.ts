import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';

/** The first occurrence of `cron` strictly after `after` (5 fields, or 6 with seconds). */
export function nextOccurrence(cron: string, after: Date, tz = 'UTC'): Date {
  return CronExpressionParser.parse(cron, { tz, currentDate: after, strict: false }).next().toDate();
}

/**
 * The job id of one occurrence of a schedule: a UUID derived from queue, schedule key and the
 * occurrence's time. Every replica computes the same id for the same occurrence, and the queue
 * inserts a job id only once, so an occurrence becomes exactly one job however many replicas fire it.
 */
export function occurrenceId(queue: string, key: string, at: Date): string {
  const hex = createHash('sha256').update(`${queue}\u0000${key}\u0000${at.toISOString()}`).digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}
