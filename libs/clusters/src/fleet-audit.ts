import { Inject, Injectable, Logger } from '@nestjs/common';
import { actorOf, AuditService, SYSTEM_ACTOR } from '@hotswap/audit';
import type { Principal } from '@hotswap/contracts';

/** One audited fleet action (enrollment, status change, impersonation attempt, admin action). */
export interface FleetAuditEntry {
  /** Dotted action name: `node.enroll`, `node.status_change`, `node.impersonation`, `environment.freeze`. */
  readonly action: string;
  readonly result: 'success' | 'failure';
  /** Who did it; `null` for HotSwap itself (heartbeat sweeps, simulation). */
  readonly actor: Principal | null;
  readonly resource: { readonly type: string; readonly id: string };
  readonly origin?: { readonly ip: string | null; readonly userAgent: string | null };
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The fleet's port to the audit trail. Callers invoke it inside the transaction of the change, so an
 * implementation backed by the hash-chained audit log commits or rolls back with it.
 */
export abstract class FleetAudit {
  abstract record(entry: FleetAuditEntry): Promise<void>;

  async recordMany(entries: readonly FleetAuditEntry[]): Promise<void> {
    for (const entry of entries) await this.record(entry);
  }
}

/** The hash-chained audit trail (category `fleet`), in the caller's transaction. */
@Injectable()
export class AuditTrailFleetAudit extends FleetAudit {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {
    super();
  }

  record(entry: FleetAuditEntry): Promise<void> {
    return this.audit.record({
      category: 'fleet',
      action: entry.action,
      result: entry.result,
      actor: entry.actor === null ? SYSTEM_ACTOR : actorOf(entry.actor),
      ...(entry.origin === undefined ? {} : { origin: entry.origin }),
      resource: entry.resource,
      ...(entry.details === undefined ? {} : { details: entry.details }),
    });
  }
}

/** Audit entries as structured log lines: for composing the fleet without the audit trail (tools). */
@Injectable()
export class LogFleetAudit extends FleetAudit {
  private readonly logger = new Logger('FleetAudit');

  record(entry: FleetAuditEntry): Promise<void> {
    this.logger.log({
      msg: 'audit',
      action: entry.action,
      result: entry.result,
      actor: entry.actor === null ? 'system' : (entry.actor.username ?? entry.actor.id),
      resource: entry.resource,
      details: entry.details,
    });
    return Promise.resolve();
  }
}
