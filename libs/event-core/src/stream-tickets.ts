import { createHash } from 'node:crypto';
import { ROLES, type Principal, type Role } from '@hotswap/contracts';
import type { SqlQuery } from './event-reader';

export const TICKET_TTL_MS = 60_000;
export const TICKET_PREFIX = 'hst_';
const TICKET_SHAPE = /^hst_[A-Za-z0-9_-]{43}$/;

/** Tickets are stored by hash only: a database read does not hand out live credentials. */
export function ticketHash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function looksLikeTicket(value: string): boolean {
  return value.startsWith(TICKET_PREFIX);
}

/**
 * The ticket's principal, consuming it (one DELETE, so two redemptions of one ticket on two
 * processes cannot both succeed); undefined for an unknown, used or expired ticket. The API issues
 * tickets; the API and the event gateway both redeem them here.
 */
export async function redeemTicket(
  query: SqlQuery,
  ticket: string,
  now: Date,
): Promise<Principal | undefined> {
  if (!TICKET_SHAPE.test(ticket)) return undefined;
  const rows: unknown = await query(
    'DELETE FROM event_stream_tickets WHERE hash = $1 RETURNING principal, expires_at',
    [ticketHash(ticket)],
  );
  // TypeORM answers a DELETE … RETURNING with [rows, count]; pg with the rows.
  const first: unknown = Array.isArray(rows) ? (Array.isArray(rows[0]) ? rows[0][0] : rows[0]) : undefined;
  if (typeof first !== 'object' || first === null) return undefined;
  const { principal, expires_at: expiresAt } = first as { principal: unknown; expires_at: unknown };
  if (!(expiresAt instanceof Date) || expiresAt.getTime() <= now.getTime()) return undefined;
  return parsePrincipal(principal);
}

function parsePrincipal(value: unknown): Principal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const p = value as Record<string, unknown>;
  if (typeof p.id !== 'string' || !Array.isArray(p.roles)) return undefined;
  const roles = p.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
  return { ...(p as unknown as Principal), roles };
}
