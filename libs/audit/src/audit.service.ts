import { Inject, Injectable } from '@nestjs/common';
import { Clock, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { RequestValidationError } from '@hotswap/http';
import { currentRequestContext } from '@hotswap/observability';
import { checkLink, contentDigest, redactDetails, type ChainCheck } from './audit-chain';
import { AuditSealer } from './audit-sealer';
import { AuditRepository, type AuditFilter } from './audit.repository';
import type { AuditRecordEntity } from './entities/audit-record.entity';

/** Who did something: a user, an API token, a node (its credential), or the system itself (jobs). */
export interface AuditActor {
  readonly id: string | null;
  readonly kind: 'user' | 'apiToken' | 'node' | 'system' | 'anonymous';
  /** Username (for API tokens, the owner's); for a failed login, the name that was tried. */
  readonly name: string | null;
}

/** Where a request came from, as far as the server can tell (`req.ip` honours TRUST_PROXY). */
export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export type AuditResult = 'success' | 'failure';

export interface AuditEntry {
  /** Groups actions: `authentication`, `users`, `api-tokens`, `audit`, later `deployments`… */
  readonly category: string;
  /** What happened, dotted: `auth.login`, `user.create`, `api-token.revoke`. */
  readonly action: string;
  readonly result: AuditResult;
  readonly actor: AuditActor;
  readonly origin?: RequestOrigin;
  readonly resource?: { readonly type: string; readonly id: string };
  /** Context without secrets: keys that look like secrets are redacted whatever their value. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditPage {
  readonly items: AuditRecordEntity[];
  readonly nextCursor: string | null;
}

export interface ChainVerification {
  readonly intact: boolean;
  /** Sealed records checked, in chain order. */
  readonly checked: number;
  /** Committed records not sealed into the chain yet. */
  readonly unsealed: number;
  readonly firstBrokenId?: string;
}

export const SYSTEM_ACTOR: AuditActor = { id: null, kind: 'system', name: 'system' };

/** The audit actor of an authenticated caller. */
export function actorOf(principal: Principal): AuditActor {
  switch (principal.kind) {
    case 'user':
    case 'apiToken':
    case 'node':
      return { id: principal.id, kind: principal.kind, name: principal.username ?? null };
    case 'system':
      return {
        id: principal.kind === 'system' ? null : principal.id,
        kind: 'system',
        name: principal.username ?? principal.kind,
      };
  }
}

const VERIFY_BATCH = 1_000;

function encodeCursor(seq: string): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

/** The seq a cursor names, or undefined when it is not one this service issued. */
export function decodeCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^seq:(\d{1,19})$/.exec(text);
  return match?.[1];
}

/**
 * Writes and reads the audit trail. {@link record} joins the caller's transaction, so a change and
 * its record commit or roll back together.
 */
@Injectable()
export class AuditService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AuditRepository) private readonly records: AuditRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AuditSealer) private readonly sealer: AuditSealer,
  ) {}

  /**
   * Inserts the record in the caller's transaction (or on its own), with the hash of its content. It
   * takes no lock and reads nothing: concurrent writers never wait for each other. The sealer links
   * it into the chain after the commit (DR-31).
   */
  async record(entry: AuditEntry): Promise<void> {
    await this.recordMany([entry]);
  }

  /** {@link record} for several entries, in order, in one insert. */
  async recordMany(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Millisecond precision: what the canonical form hashes is exactly what is stored.
    const occurredAt = new Date(this.clock.now().getTime());
    const context = currentRequestContext();
    const records = entries.map((entry) => {
      const content = {
        occurredAt,
        category: entry.category,
        action: entry.action,
        result: entry.result,
        actorId: entry.actor.id,
        actorKind: entry.actor.kind,
        actorName: entry.actor.name?.slice(0, 256) ?? null,
        resourceType: entry.resource?.type ?? null,
        resourceId: entry.resource?.id ?? null,
        // Without an explicit origin, the request this code runs for (if any) is the origin.
        ip: (entry.origin?.ip ?? context?.clientIp)?.slice(0, 64) ?? null,
        userAgent: (entry.origin?.userAgent ?? context?.userAgent)?.slice(0, 512) ?? null,
        traceId: context?.traceId ?? null,
        details: redactDetails(entry.details ?? {}),
      };
      return { ...content, contentHash: contentDigest(content) };
    });
    await this.records.insertMany(records);
    this.sealer.wroteIn(this.db.inTransaction ? this.db.manager().queryRunner : undefined);
  }

  /** Seals every record committed so far (the sealer also does it on its own, promptly). */
  seal(): Promise<void> {
    return this.sealer.sealNow();
  }

  async find(filter: Omit<AuditFilter, 'beforeSeq'>, limit: number, cursor?: string): Promise<AuditPage> {
    const beforeSeq = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && beforeSeq === undefined) {
      throw new RequestValidationError([
        { field: 'cursor', message: 'cursor is not a cursor this API issued' },
      ]);
    }
    const items = await this.records.find({ ...filter, beforeSeq }, limit + 1);
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor: items.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
    };
  }

  /**
   * Recomputes the chain in chain-position order from the oldest sealed record kept; reports the first
   * record that does not fit, and how many records are not sealed yet.
   */
  async verify(): Promise<ChainVerification> {
    let state: ChainCheck = { expectedPrevious: undefined, brokenAt: undefined };
    let checked = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.records.chainBatch(after, VERIFY_BATCH);
      for (const record of batch) {
        state = checkLink(state, record);
        checked += 1;
        if (state.brokenAt !== undefined) {
          const unsealed = await this.records.countUnsealed();
          return { intact: false, checked, unsealed, firstBrokenId: state.brokenAt };
        }
      }
      if (batch.length < VERIFY_BATCH) {
        return { intact: true, checked, unsealed: await this.records.countUnsealed() };
      }
      after = batch[batch.length - 1]?.chainPosition;
    }
  }

  /**
   * Deletes records past retention, on one replica at a time: returns null when another replica holds
   * the retention lock.
   */
  applyRetention(retentionDays: number): Promise<number | null> {
    return this.db.transaction(async () => {
      if (!(await this.records.tryRetentionLock())) return null;
      const cutoff = new Date(this.clock.now().getTime() - retentionDays * 86_400_000);
      const deleted = await this.records.deleteSealedOlderThan(cutoff);
      if (deleted > 0) {
        await this.record({
          category: 'audit',
          action: 'audit.retention',
          result: 'success',
          actor: SYSTEM_ACTOR,
          details: { deleted, cutoff: cutoff.toISOString(), retentionDays },
        });
      }
      return deleted;
    });
  }
}
