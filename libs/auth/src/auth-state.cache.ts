import { Inject, Injectable } from '@nestjs/common';
import { TtlCache } from '@hotswap/auth-core';
import { AppConfig } from '@hotswap/config';

/**
 * The per-replica cache of token-revoking state (AUTH_STATE_CACHE_MS, default 1 s). Changes made on
 * this replica clear it at once; other replicas (and the event gateway) see them within the period.
 */
@Injectable()
export class AuthStateCache extends TtlCache {
  constructor(@Inject(AppConfig) config: AppConfig) {
    super(config.auth.stateCacheMs);
  }
}
