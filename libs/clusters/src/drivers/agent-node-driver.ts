import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@hotswap/contracts';
import { DesiredStateService, type DesiredSlots } from '../desired-state.service';
import { DEFAULT_RETAIN_PREVIOUS_SECONDS } from '../module-slots';
import { NodesRepository } from '../nodes.repository';
import type {
  MetricsWindow,
  NodeDriver,
  NodeHealthReport,
  NodeOperationResult,
  NodeRef,
  NodeWindowMetrics,
  RetainOptions,
  RollbackOptions,
} from './node-driver';
import { NodeStateReader } from './node-state-reader';

/** The module's slots and desired previous version as stored. */
interface Current {
  readonly activeVersion: string | null;
  readonly standbyVersion: string | null;
  readonly previousVersion: string | null;
  readonly desiredPreviousVersion: string | null;
}

/**
 * The desired slots, and until when the previous version is retained: a Date or null when this
 * operation sets it, `undefined` when it leaves it as it was.
 */
interface Plan {
  readonly desired: DesiredSlots;
  readonly previousRetainedUntil: Date | null | undefined;
}

/**
 * Drives agents through their persisted desired state: an operation sets the module's desired slots,
 * the replica holding the node's socket pushes them, and the operation completes when the agent
 * reports on that generation (or fails after AGENT_OPERATION_TIMEOUT_MS).
 */
@Injectable()
export class AgentNodeDriver implements NodeDriver {
  constructor(
    @Inject(DesiredStateService) private readonly desired: DesiredStateService,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(NodeStateReader) private readonly reader: NodeStateReader,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  install(node: NodeRef, moduleName: string, version: string, options: RetainOptions = {}) {
    return this.operate(node, moduleName, (slots) =>
      slots.activeVersion === version
        ? this.keep(slots, { active: version, standby: null })
        : this.switchTo(version, slots.activeVersion, options),
    );
  }

  stage(node: NodeRef, moduleName: string, version: string) {
    return this.operate(node, moduleName, (slots) =>
      this.keep(slots, { active: slots.activeVersion, standby: version }),
    );
  }

  activate(node: NodeRef, moduleName: string, options: RetainOptions = {}) {
    return this.operate(node, moduleName, (slots) =>
      slots.standbyVersion === null
        ? 'nothing is staged to activate'
        : slots.standbyVersion === slots.activeVersion
          ? this.keep(slots, { active: slots.activeVersion, standby: null })
          : this.switchTo(slots.standbyVersion, slots.activeVersion, options),
    );
  }

  unstage(node: NodeRef, moduleName: string) {
    return this.operate(node, moduleName, (slots) =>
      this.keep(slots, { active: slots.activeVersion, standby: null }),
    );
  }

  rollback(node: NodeRef, moduleName: string, options: RollbackOptions = {}) {
    return this.operate(node, moduleName, (slots) =>
      options.fromVersion !== undefined && slots.activeVersion !== options.fromVersion
        ? this.keep(slots, { active: slots.activeVersion, standby: null })
        : // Back to the previous version (the agent loads it again if it was unloaded): none is retained.
          {
            desired: { active: slots.previousVersion, standby: null, previous: null },
            previousRetainedUntil: null,
          },
    );
  }

  /** Active and standby as given; the previous version kept (or not) as it was. */
  private keep(slots: Current, desired: { active: string | null; standby: string | null }): Plan {
    return {
      desired: { ...desired, previous: slots.desiredPreviousVersion },
      previousRetainedUntil: undefined,
    };
  }

  /** `version` becomes active; the old active becomes previous, kept loaded for the retention. */
  private switchTo(version: string, leaving: string | null, options: RetainOptions): Plan {
    const seconds = Math.max(0, options.retainPreviousSeconds ?? DEFAULT_RETAIN_PREVIOUS_SECONDS);
    const retained = leaving !== null && seconds > 0;
    return {
      desired: { active: version, standby: null, previous: retained ? leaving : null },
      previousRetainedUntil: retained ? new Date(this.clock.now().getTime() + seconds * 1000) : null,
    };
  }

  health(node: NodeRef, moduleName?: string): Promise<NodeHealthReport> {
    return this.reader.health(node, moduleName);
  }

  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]> {
    return this.reader.metrics(nodes, window);
  }

  private async operate(
    node: NodeRef,
    moduleName: string,
    plan: (slots: Current) => Plan | string,
  ): Promise<NodeOperationResult> {
    const started = Date.now();
    const fail = (error: string): NodeOperationResult => ({
      nodeId: node.id,
      ok: false,
      error,
      slots: null,
      durationMs: Date.now() - started,
    });
    try {
      const row = await this.nodes.findById(node.id);
      if (row === null) return fail('node no longer exists');
      if (row.status === 'Unknown' || row.status === 'Stopped')
        return fail(`node is unreachable (${row.status})`);
      const current: Current = (await this.nodes.findModule(node.id, moduleName)) ?? {
        activeVersion: null,
        standbyVersion: null,
        previousVersion: null,
        desiredPreviousVersion: null,
      };
      const planned = plan(current);
      if (typeof planned === 'string') return fail(planned);
      const generation = await this.desired.set(
        node.id,
        moduleName,
        planned.desired,
        planned.previousRetainedUntil,
      );
      const outcome = await this.desired.awaitReport(node.id, moduleName, generation);
      return { nodeId: node.id, ...outcome, durationMs: Date.now() - started };
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
  }
}
