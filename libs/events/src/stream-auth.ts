import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock, ROLES, type Principal, type Role } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { EventStreamTicketEntity } from './event-stream-ticket.entity';

/**
 * Verifies a bearer token (access token or API token) outside an HTTP request — for WebSocket
 * `auth` messages. The identity lib provides it; the composition root wires it in.
 */
export abstract class StreamAuthenticator {
  abstract authenticate(token: string): Promise<Principal | undefined>;
}

export const TICKET_TTL_MS = 60_000;
const TICKET_PREFIX = 'hst_';
const TICKET_SHAPE = /^hst_[A-Za-z0-9_-]{43}$/;

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Single-use, 60-second tickets standing in for a bearer token where headers cannot be sent. */
@Injectable()
export class StreamTickets {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  static looksLikeTicket(value: string): boolean {
    return value.startsWith(TICKET_PREFIX);
  }

  async issue(principal: Principal): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = `${TICKET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    const repository = this.database.repository(EventStreamTicketEntity);
    await repository.createQueryBuilder().delete().where('expires_at < :now', { now }).execute();
    const row = new EventStreamTicketEntity();
    row.hash = hash(ticket);
    row.principal = { ...principal, roles: [...principal.roles] };
    row.expiresAt = expiresAt;
    await repository.save(row);
    return { ticket, expiresAt };
  }

  /** The ticket's principal, consuming it; undefined for an unknown, used or expired ticket. */
  async redeem(ticket: string): Promise<Principal | undefined> {
    if (!TICKET_SHAPE.test(ticket)) return undefined;
    const rows: unknown = await this.database
      .manager()
      .query('DELETE FROM event_stream_tickets WHERE hash = $1 RETURNING principal, expires_at', [
        hash(ticket),
      ]);
    const first: unknown = Array.isArray(rows) ? (Array.isArray(rows[0]) ? rows[0][0] : rows[0]) : undefined;
    if (typeof first !== 'object' || first === null) return undefined;
    const { principal, expires_at: expiresAt } = first as { principal: unknown; expires_at: unknown };
    if (!(expiresAt instanceof Date) || expiresAt.getTime() <= this.clock.now().getTime()) return undefined;
    return parsePrincipal(principal);
  }
}

function parsePrincipal(value: unknown): Principal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const p = value as Record<string, unknown>;
  if (typeof p.id !== 'string' || !Array.isArray(p.roles)) return undefined;
  const roles = p.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
  return { ...(p as unknown as Principal), roles };
}
