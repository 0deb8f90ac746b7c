import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { ModuleRegistry } from '@hotswap/modules';
import { nodeNotFound } from './clusters.errors';
import type { ModuleSlots } from './module-slots';
import { NodeWakeups } from './node-wakeups';
import { NodesRepository } from './nodes.repository';

export interface ArtifactRef {
  /** Path of the artifact on the control plane (`GET` it with the node credential). */
  readonly url: string;
  readonly sha256: string;
}

export interface DesiredSlot {
  readonly version: string;
  readonly artifact: ArtifactRef;
}

export interface DesiredModule {
  readonly moduleName: string;
  readonly active: DesiredSlot | null;
  readonly standby: DesiredSlot | null;
  /**
   * The previous version to keep loaded for an instant rollback (only a name: the agent keeps what it
   * has, it never downloads for this); null: unload any previous version.
   */
  readonly previous: { readonly version: string } | null;
}

/** What one module's slots should hold on an agent. */
export interface DesiredSlots {
  readonly active: string | null;
  readonly standby: string | null;
  readonly previous: string | null;
}

export interface DesiredState {
  readonly generation: number;
  readonly modules: DesiredModule[];
}

/** A module's slots as an agent reports them (the retention deadline is the control plane's). */
export interface ModuleReport extends Omit<ModuleSlots, 'previousRetainedUntil'> {
  readonly moduleName: string;
}

export interface OperationResult {
  readonly moduleName: string;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * The persisted desired state of agent nodes. Setting it commits first and then wakes the replica
 * holding the node's socket; a report from the agent records its slots and the generation it
 * reached, and wakes whoever waits for it. So a command survives a replica restart (it is re-sent on
 * reconnect) and any replica can wait for any node.
 */
@Injectable()
export class DesiredStateService {
  private readonly digests = new Map<string, string>();

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(ModuleRegistry) private readonly registry: ModuleRegistry,
    @Inject(NodeWakeups) private readonly wakeups: NodeWakeups,
  ) {}

  /**
   * Sets what one module's slots should hold on a node, and (unless `undefined`) until when its
   * previous version is retained; returns the generation to wait for.
   */
  async set(nodeId: string, moduleName: string, desired: DesiredSlots, previousRetainedUntil?: Date | null) {
    for (const version of [desired.active, desired.standby]) {
      if (version !== null) await this.artifact(moduleName, version);
    }
    const generation = await this.database.transaction(() =>
      this.nodes.setDesired(nodeId, moduleName, desired, previousRetainedUntil, this.clock.now()),
    );
    if (generation === null) throw nodeNotFound(nodeId);
    await this.wakeups.wake('desired', nodeId);
    return generation;
  }

  /** What the node should run: every module whose desired state was ever set. */
  async of(nodeId: string): Promise<DesiredState> {
    const node = await this.nodes.findById(nodeId);
    if (node === null) throw nodeNotFound(nodeId);
    const rows = (await this.nodes.modulesOf([nodeId])).filter((m) => m.desiredGeneration > 0);
    const slot = async (moduleName: string, version: string | null): Promise<DesiredSlot | null> =>
      version === null ? null : { version, artifact: await this.artifact(moduleName, version) };
    const modules: DesiredModule[] = [];
    for (const m of rows) {
      modules.push({
        moduleName: m.moduleName,
        active: await slot(m.moduleName, m.desiredActiveVersion),
        standby: await slot(m.moduleName, m.desiredStandbyVersion),
        previous: m.desiredPreviousVersion === null ? null : { version: m.desiredPreviousVersion },
      });
    }
    return { generation: node.desiredGeneration, modules };
  }

  /** Records an agent's module state (hello, heartbeat changes, reports). */
  async recordModules(
    nodeId: string,
    modules: readonly ModuleReport[],
    results: readonly OperationResult[] = [],
  ) {
    const errors = new Map(results.map((r) => [r.moduleName, r.ok ? null : (r.error ?? 'operation failed')]));
    await this.nodes.upsertSlots(
      modules.map((m) => ({
        nodeId,
        moduleName: m.moduleName,
        activeVersion: m.activeVersion,
        standbyVersion: m.standbyVersion,
        previousVersion: m.previousVersion,
        previousLoaded: m.previousLoaded,
        // The deadline is the control plane's; it goes with the previous version.
        previousRetainedUntil: m.previousVersion === null ? null : undefined,
        state: errors.get(m.moduleName) ? 'Failed' : m.state,
        lastError: errors.has(m.moduleName) ? (errors.get(m.moduleName) ?? null) : undefined,
      })),
      this.clock.now(),
    );
  }

  /** An agent's report on a generation: its slots and per-module results. */
  async report(
    nodeId: string,
    generation: number,
    modules: readonly ModuleReport[],
    results: readonly OperationResult[],
  ): Promise<void> {
    await this.database.transaction(async () => {
      await this.recordModules(nodeId, modules, results);
      // Results for modules the agent did not list in its state still carry their errors.
      const listed = new Set(modules.map((m) => m.moduleName));
      for (const r of results.filter((x) => !listed.has(x.moduleName) && !x.ok)) {
        const row = await this.nodes.findModule(nodeId, r.moduleName);
        if (row !== null) {
          await this.nodes.upsertSlots(
            [
              {
                ...row,
                nodeId,
                moduleName: r.moduleName,
                state: 'Failed',
                lastError: r.error ?? 'operation failed',
              },
            ],
            this.clock.now(),
          );
        }
      }
      await this.nodes.setReportedGeneration(nodeId, generation);
    });
    await this.wakeups.wake('report', nodeId);
  }

  /**
   * Waits until the node reported on `generation`; then the module's outcome. Not acknowledged within
   * AGENT_OPERATION_TIMEOUT_MS → failed (and recorded on the module).
   */
  async awaitReport(
    nodeId: string,
    moduleName: string,
    generation: number,
    timeoutMs = this.config.fleet.agentOperationTimeoutMs,
  ): Promise<{ ok: boolean; error?: string; slots: ModuleSlots | null }> {
    const deadline = Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    const unsubscribe = this.wakeups.on('report', (id) => {
      if (id === nodeId) wake?.();
    });
    try {
      for (;;) {
        const node = await this.nodes.findById(nodeId);
        if (node === null) return { ok: false, error: 'node was decommissioned', slots: null };
        if (node.reportedGeneration >= generation) {
          const row = await this.nodes.findModule(nodeId, moduleName);
          const slots = row === null ? null : row;
          if (row?.lastError) return { ok: false, error: row.lastError, slots };
          return { ok: true, slots };
        }
        const left = deadline - Date.now();
        if (left <= 0) break;
        // Woken by the report, or re-check every second in case a wake-up was lost.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1_000));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
    }
    const error = `not acknowledged by the node within ${timeoutMs} ms`;
    const row = await this.nodes.findModule(nodeId, moduleName);
    if (row !== null) {
      await this.nodes.upsertSlots(
        [{ ...row, nodeId, moduleName, state: 'Failed', lastError: error }],
        this.clock.now(),
      );
    }
    return { ok: false, error, slots: row };
  }

  private async artifact(moduleName: string, version: string): Promise<ArtifactRef> {
    const key = `${moduleName}@${version}`;
    let sha256 = this.digests.get(key);
    if (sha256 === undefined) {
      sha256 = (await this.registry.getVersion(moduleName, version)).sha256;
      this.digests.set(key, sha256);
    }
    return {
      url: `/api/v1/modules/${encodeURIComponent(moduleName)}/versions/${encodeURIComponent(version)}/artifact`,
      sha256,
    };
  }
}
