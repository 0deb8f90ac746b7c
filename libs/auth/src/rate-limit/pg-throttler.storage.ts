import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { resetSecondsOf } from '@hotswap/auth-core';
import { Clock } from '@hotswap/contracts';
import { RateLimitRepository } from './rate-limit.repository';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

const CLEANUP_INTERVAL_MS = 5 * 60_000;

/**
 * @nestjs/throttler storage in PostgreSQL: one atomic upsert per request, so a budget holds across
 * every replica. Fixed windows; a blocked caller is unblocked when the window ends.
 */
@Injectable()
export class PgThrottlerStorage implements ThrottlerStorage, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(RateLimitRepository) private readonly counters: RateLimitRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now();
    const count = await this.counters.hit(key, ttl, now);
    const seconds = resetSecondsOf(count, now);
    return {
      totalHits: count.hits,
      timeToExpire: seconds,
      isBlocked: count.hits > limit,
      timeToBlockExpire: seconds,
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.counters.deleteExpired(this.clock.now()).catch((error: unknown) => {
        this.logger.warn({ msg: 'rate limit counter cleanup failed', err: error });
      });
    }, CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
