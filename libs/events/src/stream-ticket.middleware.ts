import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { StreamTickets } from './stream-auth';

/**
 * `GET /events/stream?ticket=…` without an Authorization header: redeems the ticket before the global
 * guards run, so the request carries the ticket holder as `req.user` and goes through the same
 * authentication, rate-limit and role checks as one with a bearer token. An unknown, used or
 * expired ticket leaves the request anonymous (401).
 */
@Injectable()
export class StreamTicketMiddleware implements NestMiddleware {
  constructor(@Inject(StreamTickets) private readonly tickets: StreamTickets) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    const ticket: unknown = (req.query as Record<string, unknown> | undefined)?.ticket;
    if (
      req.method !== 'GET' ||
      !req.path.endsWith('/events/stream') ||
      req.headers.authorization !== undefined ||
      typeof ticket !== 'string'
    ) {
      next();
      return;
    }
    this.tickets.redeem(ticket).then(
      (principal) => {
        if (principal !== undefined) (req as { user?: unknown }).user = principal;
        next();
      },
      (error: unknown) => next(error),
    );
  }
}
