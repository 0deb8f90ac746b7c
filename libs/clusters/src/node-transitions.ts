import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@hotswap/contracts';
import { EventLog, type EventEntry } from '@hotswap/events';
import { EnvironmentsService } from './environments.service';
import { FleetAudit, type FleetAuditEntry } from './fleet-audit';
import type { StatusTransition } from './nodes.repository';

/** Longest list of simulated node ids one summary audit record carries. */
const SUMMARY_IDS = 100;

/**
 * Records node status changes inside the transaction that made them: a `node.status_changed` event
 * per node (plus `node.heartbeat_lost` when a timeout caused it) and audit records. Agent nodes get
 * one audit record each; simulated nodes, which change in bulk (a seeded fleet's first heartbeat,
 * a 10,000-node sweep), get one summary record per batch naming them.
 */
@Injectable()
export class NodeTransitions {
  constructor(
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
  ) {}

  async record(
    transitions: readonly StatusTransition[],
    actor: Principal | null,
    cause: 'heartbeat' | 'timeout' | 'operator',
    timeoutMs = 0,
  ): Promise<void> {
    if (transitions.length === 0) return;
    const events: EventEntry[] = [];
    for (const t of transitions) {
      const subject = { nodeId: t.id, environment: await this.environments.nameOf(t.environmentId) };
      if (cause === 'timeout') {
        events.push({
          type: 'node.heartbeat_lost',
          subject,
          payload: {
            name: t.name,
            status: t.to,
            reason: t.reason,
            lastHeartbeatAt: t.lastHeartbeatAt?.toISOString() ?? null,
            timeoutMs,
          },
        });
      }
      events.push({
        type: 'node.status_changed',
        subject,
        payload: { name: t.name, from: t.from, status: t.to, reason: t.reason },
      });
    }
    await this.events.appendMany(events);

    const entries: FleetAuditEntry[] = transitions
      .filter((t) => t.kind === 'agent' || cause === 'operator')
      .map((t) => ({
        action: 'node.status_change',
        result: 'success' as const,
        actor,
        resource: { type: 'node', id: t.id },
        details: { name: t.name, from: t.from, to: t.to, reason: t.reason, cause },
      }));
    const simulated = cause === 'operator' ? [] : transitions.filter((t) => t.kind === 'simulated');
    if (simulated.length > 0) {
      const byTarget = new Map<string, number>();
      for (const t of simulated) byTarget.set(t.to, (byTarget.get(t.to) ?? 0) + 1);
      entries.push({
        action: 'node.status_change',
        result: 'success',
        actor,
        resource: { type: 'simulated-fleet', id: 'simulation' },
        details: {
          cause,
          count: simulated.length,
          to: Object.fromEntries(byTarget),
          nodeIds: simulated.slice(0, SUMMARY_IDS).map((t) => t.id),
          truncated: simulated.length > SUMMARY_IDS,
        },
      });
    }
    await this.audit.recordMany(entries);
  }
}
