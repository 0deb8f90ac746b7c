import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { looksLikeTicket, redeemTicket, TICKET_PREFIX, TICKET_TTL_MS, ticketHash } from '@hotswap/event-core';
import { EventStreamTicketEntity } from './event-stream-ticket.entity';

/**
 * Verifies a bearer token (access token or API token) outside an HTTP request — for WebSocket
 * `auth` messages. The identity lib provides it; the composition root wires it in.
 */
export abstract class StreamAuthenticator {
  abstract authenticate(token: string): Promise<Principal | undefined>;
}

/** Single-use, 60-second tickets standing in for a bearer token where headers cannot be sent. */
@Injectable()
export class StreamTickets {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  static looksLikeTicket(value: string): boolean {
    return looksLikeTicket(value);
  }

  async issue(principal: Principal): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = `${TICKET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    const repository = this.database.repository(EventStreamTicketEntity);
    await repository.createQueryBuilder().delete().where('expires_at < :now', { now }).execute();
    const row = new EventStreamTicketEntity();
    row.hash = ticketHash(ticket);
    row.principal = { ...principal, roles: [...principal.roles] };
    row.expiresAt = expiresAt;
    await repository.save(row);
    return { ticket, expiresAt };
  }

  /** The ticket's principal, consuming it; undefined for an unknown, used or expired ticket. */
  redeem(ticket: string): Promise<Principal | undefined> {
    return redeemTicket(
      (sql, params) => this.database.manager().query(sql, params),
      ticket,
      this.clock.now(),
    );
  }
}
