import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiTokenAuthenticator, looksLikeApiToken } from '../api-token.authenticator';
import { JwtStrategy } from '../jwt.strategy';
import type { Principal } from '../principal';

/** Longer bearer values are refused before any parsing (an access token is well under 1 KB). */
export const MAX_BEARER_LENGTH = 8 * 1024;

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/**
 * First global guard: turns a bearer token into `req.user`. It never refuses by itself, so the rate
 * limiter that runs next can key on the user when there is one and on the IP otherwise; the
 * authorization guard after it answers 401/403.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    @Inject(JwtStrategy) private readonly jwt: JwtStrategy,
    @Inject(ApiTokenAuthenticator) private readonly apiTokens: ApiTokenAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const header = req.headers.authorization;
    if (header === undefined) return true;
    const principal =
      header.length > MAX_BEARER_LENGTH + 7
        ? undefined
        : await this.authenticate(header, req, http.getResponse<Response>());
    (req as { user?: Principal }).user = principal;
    return true;
  }

  private async authenticate(header: string, req: Request, res: Response): Promise<Principal | undefined> {
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) return undefined;
    if (looksLikeApiToken(token)) return this.apiTokens.authenticate(token);
    return new Promise<Principal | undefined>((resolve) => {
      const authenticate = this.jwt
        .getPassportInstance()
        .authenticate('jwt', { session: false }, (error: unknown, user: Principal | false | undefined) =>
          resolve(error || !user ? undefined : user),
        ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      authenticate(req, res, () => resolve(undefined));
    });
  }
}
