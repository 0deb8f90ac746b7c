import { setTimeout as delay } from 'node:timers/promises';
import { LeaderScheduler } from '@hotswap/coordination';
import { Database } from '@hotswap/database';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';
import { chainHash, GENESIS_HASH } from './audit-chain';
import { AuditRepository, type SealLink } from './audit.repository';

/** Records sealed per transaction. */
const SEAL_BATCH = 500;
/** The leader's sweep: seals what no prompt pass did (e.g. a replica died between commit and seal). */
const SWEEP_INTERVAL_MS = 1_000;
/** How long to wait before trying again when another replica holds the seal lock. */
const BUSY_RETRY_MS = 25;
/** Commits arriving within this window share one sealing pass (fewer transactions under load). */
const COALESCE_MS = 5;
/**
 * A pass starts at least this long after the previous one started: under load (records committed
 * every few ms) passes seal tens of records each instead of one or two, at six statements a pass
 * (DR-37). A record waits at most this long for its seal; an idle sealer still starts within
 * {@link COALESCE_MS}.
 */
const MIN_PASS_SPACING_MS = 100;

/**
 * Links committed audit records into the hash chain (DR-31). Writers only insert their record (with
 * the hash of its own content) and never wait for each other; sealing happens after their commit, one
 * sealer at a time across replicas (a transaction-level advisory lock), in the order records become
 * visible to the sealer: each gets the next `chainPosition`, the previous record's hash and
 * `sha256(previousHash || canonical record)`.
 *
 * A pass is requested promptly after every local commit that wrote an audit record (a TypeORM
 * transaction subscriber), and the leader sweeps every second.
 */
@Injectable()
export class AuditSealer implements EntitySubscriberInterface, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditSealer');
  /** Transactions (their query runners) that inserted an audit record and have not committed yet. */
  private readonly writers = new WeakSet<QueryRunner>();
  private pending = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** performance.now() when the last pass started. */
  private lastPassAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AuditRepository) private readonly records: AuditRepository,
    @Inject(LeaderScheduler) private readonly leader: LeaderScheduler,
  ) {}

  onApplicationBootstrap(): void {
    this.db.dataSource.subscribers.push(this);
    this.leader.every('audit.seal', SWEEP_INTERVAL_MS, () => this.sealNow());
    // Records committed while no replica was running (or before this one started).
    this.request();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const index = this.db.dataSource.subscribers.indexOf(this);
    if (index >= 0) this.db.dataSource.subscribers.splice(index, 1);
    await this.loop;
  }

  /** Called by the audit service when the current transaction inserted a record. */
  wroteIn(queryRunner: QueryRunner | undefined): void {
    if (queryRunner === undefined) this.request();
    else this.writers.add(queryRunner);
  }

  /** TypeORM: a transaction committed; seal its audit records now. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (!this.writers.has(event.queryRunner)) return;
    this.writers.delete(event.queryRunner);
    this.request();
  }

  /** Requests a pass and resolves when every record committed before the call is sealed (or on error). */
  async sealNow(): Promise<void> {
    this.request();
    await this.loop;
  }

  /** Asks for a pass; passes run one after another in this process, never concurrently. */
  request(): void {
    if (this.stopped) return;
    this.pending = true;
    this.loop ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      await this.passes();
    } finally {
      this.loop = undefined;
    }
    // A request that arrived after the last pass's check.
    if (this.pending && !this.stopped) this.request();
  }

  private async passes(): Promise<void> {
    while (this.pending && !this.stopped) {
      await delay(Math.max(COALESCE_MS, this.lastPassAt + MIN_PASS_SPACING_MS - performance.now()));
      this.lastPassAt = performance.now();
      this.pending = false;
      try {
        const sealed = await this.sealOnce();
        if (sealed === null) {
          // Another replica is sealing; it may have missed what we just committed.
          this.pending = true;
          await delay(BUSY_RETRY_MS);
        } else if (sealed === SEAL_BATCH) {
          this.pending = true;
        }
      } catch (error: unknown) {
        this.logger.error({ msg: 'audit sealing failed', err: error });
        return;
      }
    }
  }

  /**
   * One sealing transaction: returns how many records it sealed, or null when another sealer holds
   * the lock.
   */
  sealOnce(): Promise<number | null> {
    return this.db.detached(async () => {
      if (!(await this.records.trySealLock())) return null;
      const batch = await this.records.unsealed(SEAL_BATCH);
      if (batch.length === 0) return 0;
      const last = await this.records.lastSealed();
      let position = BigInt(last?.chainPosition ?? '0');
      let previousHash = last?.hash ?? GENESIS_HASH;
      const links: SealLink[] = batch.map((record) => {
        position += 1n;
        const hash = chainHash(previousHash, record);
        const link = { seq: record.seq, chainPosition: position.toString(), previousHash, hash };
        previousHash = hash;
        return link;
      });
      await this.records.seal(links);
      return links.length;
    });
  }
}
