import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
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
    const { hits, expiresAt } = await this.counters.hit(key, ttl, now);
    const seconds = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 1000));
    return { totalHits: hits, timeToExpire: seconds, isBlocked: hits > limit, timeToBlockExpire: seconds };
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
