import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { CoordinationMetrics } from './coordination.metrics';
import { Fence } from './fence';
import type { LeaderLeaseRepository } from './leader-lease.repository';
import { assertResourceName } from './lock-key';

export interface LeaderElectionOptions {
  /** The lease's name; every replica campaigning under it competes for one leadership. */
  readonly name: string;
  /** How often the leader renews (and others try to take over): default 5 s. */
  readonly renewIntervalMs: number;
  /** How long a lease lasts without renewal: default 15 s. At least twice the renewal interval. */
  readonly leaseTtlMs: number;
  /** This candidate's identity; default host:pid:random. */
  readonly holderId?: string;
  /** A monotonic clock in ms (tests pass a fake one). */
  readonly now?: () => number;
}

export interface LeadershipChange {
  readonly election: string;
  readonly leader: boolean;
  /** The term's epoch when elected; the last term's when lost. */
  readonly epoch: number | undefined;
  readonly reason: string;
}

/** Thrown by {@link LeaderElection.fence} when this process is not the leader. */
export class NotLeaderError extends Error {
  constructor(readonly election: string) {
    super(`this process does not lead '${election}'`);
    this.name = 'NotLeaderError';
  }
}

/** Whether a lease granted at `sentAt` (local clock) can still be relied on at `now`. */
export function leaseValidUntil(sentAt: number, leaseTtlMs: number): number {
  // The database set expiresAt = now() + ttl when it ran the statement, which was after sentAt; so the
  // lease lasts at least until sentAt + ttl in real time. The margin covers clock-rate differences.
  return sentAt + leaseTtlMs - safetyMargin(leaseTtlMs);
}

function safetyMargin(leaseTtlMs: number): number {
  return Math.min(2_000, Math.floor(leaseTtlMs / 5));
}

/**
 * Leader election on a lease row (`leader_lease`: holder, epoch, expiresAt). The leader renews every
 * `renewIntervalMs`; the others try at the same pace, and right when the current lease runs out. Each
 * new term increments `epoch`, the fencing token ({@link fence}). Leadership is dropped locally as
 * soon as a renewal fails or is refused, and when no renewal has confirmed the lease before it could
 * have expired in the database — so two replicas never both believe they lead, as long as their
 * clocks run at about the same rate (not: agree on the time).
 */
export class LeaderElection {
  private readonly logger: Logger;
  readonly holderId: string;
  private readonly now: () => number;
  private term: { epoch: number; validUntil: number } | undefined;
  private readonly listeners = new Set<(change: LeadershipChange) => void>();
  private running = false;
  private loopTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: LeaderLeaseRepository,
    readonly options: LeaderElectionOptions,
    private readonly metrics: CoordinationMetrics = CoordinationMetrics.standalone(),
  ) {
    assertResourceName(options.name, 'An election name');
    if (options.leaseTtlMs < 2 * options.renewIntervalMs) {
      throw new Error('leaseTtlMs must be at least twice renewIntervalMs');
    }
    this.holderId = options.holderId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? (() => performance.now());
    this.logger = new Logger(`LeaderElection:${options.name}`);
    this.metrics.leader.set({ election: options.name }, 0);
  }

  get name(): string {
    return this.options.name;
  }

  get isLeader(): boolean {
    return this.term !== undefined && this.now() < this.term.validUntil;
  }

  /** The current term's epoch, while leader. */
  get epoch(): number | undefined {
    return this.isLeader ? this.term?.epoch : undefined;
  }

  /** The fencing token of the current term; throws {@link NotLeaderError} when not leading. */
  fence(): Fence {
    const term = this.term;
    if (term === undefined || !this.isLeader) throw new NotLeaderError(this.name);
    return new Fence(this.name, term.epoch);
  }

  /** Calls `listener` on every change of this process's leadership; returns an unsubscribe. */
  onChange(listener: (change: LeadershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs `sql` with its `$fence` placeholder replaced by the term check (see {@link Fence.bind}), in
   * the caller's `Database` transaction if there is one, and returns the rows it wrote (or returned).
   * 0 means the write was rejected because `fence`'s term is over (or nothing matched).
   */
  fencedWrite(fence: Fence, sql: string, params: readonly unknown[] = []): Promise<number> {
    const bound = fence.bind(sql, params);
    return this.leases.execute(bound.sql, bound.params);
  }

  /** Starts campaigning in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops campaigning; a leader resigns so that another replica takes over without waiting. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.loopTimer);
    this.wake?.();
    await this.loopDone;
    const term = this.term;
    if (term !== undefined) {
      this.drop('stopped');
      await this.leases.resign(this.name, this.holderId, term.epoch).catch((error: unknown) => {
        this.logger.warn({ msg: 'could not resign the lease; it will expire', err: error });
      });
    }
    clearTimeout(this.expiryTimer);
  }

  /** One campaign step: take or renew the lease. Returns the delay before the next step. */
  async step(): Promise<number> {
    const { renewIntervalMs, leaseTtlMs } = this.options;
    const sentAt = this.now();
    let attempt;
    try {
      attempt = await this.leases.attempt(this.name, this.holderId, leaseTtlMs);
    } catch (error) {
      if (this.term !== undefined) {
        this.logger.warn({ msg: 'lease renewal failed; leadership dropped', err: error });
        this.drop('renewal failed');
      }
      return renewIntervalMs;
    }
    if (attempt.acquired) {
      const validUntil = leaseValidUntil(sentAt, leaseTtlMs);
      if (this.now() >= validUntil) {
        // Confirmed too late to rely on: behave as if it had failed and try again at once.
        if (this.term !== undefined) this.drop('renewal confirmed too late');
        return 0;
      }
      if (this.term !== undefined && this.term.epoch !== attempt.epoch) this.drop('term ended');
      const elected = this.term === undefined;
      this.term = { epoch: attempt.epoch, validUntil };
      this.armExpiry(validUntil);
      if (elected) this.emit(true, attempt.epoch, 'elected');
      return renewIntervalMs;
    }
    if (this.term !== undefined) this.drop(`lease held by ${attempt.holder ?? 'another replica'}`);
    // Try again right when the holder's lease runs out, or at the renewal pace, whichever is first.
    return Math.max(10, Math.min(renewIntervalMs, Math.ceil(attempt.remainingMs) + 10));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const delayMs = await this.step();
      if (!this.running) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.loopTimer = setTimeout(resolve, delayMs);
      });
      this.wake = undefined;
    }
  }

  private armExpiry(validUntil: number): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(
      () => {
        if (this.term !== undefined && this.now() >= this.term.validUntil) {
          this.logger.warn({ msg: 'lease not renewed in time; leadership dropped' });
          this.drop('lease not renewed in time');
        }
      },
      Math.max(0, validUntil - this.now()),
    );
  }

  private drop(reason: string): void {
    const term = this.term;
    if (term === undefined) return;
    this.term = undefined;
    clearTimeout(this.expiryTimer);
    this.emit(false, term.epoch, reason);
  }

  private emit(leader: boolean, epoch: number | undefined, reason: string): void {
    this.metrics.leader.set({ election: this.name }, leader ? 1 : 0);
    this.metrics.leaderChanges.inc({ election: this.name, change: leader ? 'elected' : 'lost' });
    this.logger.log({
      msg: leader ? 'leadership acquired' : 'leadership lost',
      epoch,
      reason,
      holder: this.holderId,
    });
    const change: LeadershipChange = { election: this.name, leader, epoch, reason };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ msg: 'leadership listener failed', err: error });
      }
    }
  }
}
