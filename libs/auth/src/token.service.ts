import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '@hotswap/config';
import type { Role } from '@hotswap/contracts';
import { ACCESS_TOKEN_TYPE, SigningKeys } from './signing-keys';

export { API_TOKEN_PREFIX } from '@hotswap/auth-core';
export const REFRESH_TOKEN_PREFIX = 'hsr_';

/** The claims HotSwap puts in an access token besides the registered ones. */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly sid: string;
  readonly ver: number;
  readonly roles: readonly Role[];
  readonly preferred_username: string;
}

export interface IssuedAccessToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export { hashToken } from '@hotswap/auth-core';

export function randomTokenValue(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Signs access tokens (JWT with `kid`, `jti`, `iss`, `aud`, `typ: at+jwt`) with the current key. */
@Injectable()
export class TokenService {
  constructor(
    @Inject(JwtService) private readonly jwt: JwtService,
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  issueAccessToken(claims: AccessTokenClaims): IssuedAccessToken {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.config.auth.accessTokenTtlSeconds;
    const { signing } = this.keys;
    const token = this.jwt.sign(
      { ...claims, roles: [...claims.roles], iat, exp },
      {
        algorithm: signing.alg,
        // A KeyObject (secret or private key): jsonwebtoken skips re-importing the key on every call.
        privateKey: signing.signWith,
        keyid: signing.kid,
        jwtid: randomUUID(),
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        header: { alg: signing.alg, typ: ACCESS_TOKEN_TYPE, kid: signing.kid },
      },
    );
    return { token, expiresAt: new Date(exp * 1000) };
  }
}
