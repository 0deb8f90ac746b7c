import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { resetSecondsOf } from '@hotswap/auth-core';
import { Clock } from '@hotswap/contracts';
import { BatchedCounter } from './batched-counter';
import { RateLimitRepository } from './rate-limit.repository';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

const CLEANUP_INTERVAL_MS = 5 * 60_000;

/**
 * @nestjs/throttler storage in PostgreSQL: fixed-window counters shared by every replica, counted
 * through a {@link BatchedCounter} (a caller far from its limit costs no round trip per request; near
 * and over it, every hit is counted in PostgreSQL at once). A blocked caller is unblocked when the
 * window ends.
 */
@Injectable()
export class PgThrottlerStorage
  implements ThrottlerStorage, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('RateLimit');
  private timer: NodeJS.Timeout | undefined;
  private readonly batched: BatchedCounter;

  constructor(
    @Inject(RateLimitRepository) private readonly counters: RateLimitRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {
    this.batched = new BatchedCounter(counters, clock, {
      onFlushError: (error) =>
        this.logger.warn({ msg: 'rate limit hits not written yet; retrying', err: error }),
    });
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const count = await this.batched.hit(key, ttl, limit);
    const seconds = resetSecondsOf(count, this.clock.now());
    return {
      totalHits: count.hits,
      timeToExpire: seconds,
      isBlocked: count.hits > limit,
      timeToBlockExpire: seconds,
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.batched.prune();
      this.counters.deleteExpired(this.clock.now()).catch((error: unknown) => {
        this.logger.warn({ msg: 'rate limit counter cleanup failed', err: error });
      });
    }, CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  /** The hits counted here and not written yet are written before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.batched.close().catch((error: unknown) => {
      this.logger.warn({ msg: 'rate limit hits could not be written at shutdown', err: error });
    });
  }
}
