import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { EventLog } from '@hotswap/events';
import { BatchWriter } from '../batch-writer';
import type { NodeEntity } from '../entities/node.entity';
import { SEEDED_ENVIRONMENTS } from '../environment-policy';
import { EnvironmentsService } from '../environments.service';
import { FleetAudit } from '../fleet-audit';
import { HeartbeatIngestor } from '../heartbeat-ingestor';
import { NodesRepository, type ModuleSlotsRow } from '../nodes.repository';
import type { FaultProfile } from './fault-profiles';
import { hash32, simulatedMetrics } from './sim-metrics';
import { SimulationFaultsRepository } from './simulation-faults.repository';

/** Granularity of the simulation clock: one timer for the whole fleet, whatever its size. */
export const SIMULATION_TICK_MS = 100;

interface SimNode {
  readonly id: string;
  readonly name: string;
  readonly environmentId: string;
  readonly phase: number;
  beats: number;
}

export function simulatedNodeName(environment: string, index: number): string {
  return `sim-${environment.toLowerCase()}-${String(index).padStart(5, '0')}`;
}

/**
 * The in-process simulated fleet: seeded nodes that heartbeat through the same ingestion path as
 * agents, with deterministic metrics (sim-metrics.ts) shifted by the Admin's fault profiles. One timer
 * ticks every SIMULATION_TICK_MS (divided by nothing: the time scale shortens the heartbeat interval
 * instead); on each tick the nodes whose phase falls on it heartbeat, so 10,000 nodes at a 10 s
 * interval are 100 heartbeats a tick, never 10,000 timers.
 */
@Injectable()
export class SimulatedFleet implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SimulatedFleet');
  private nodes: SimNode[] = [];
  private readonly active = new Map<string, Map<string, string | null>>();
  private faults: FaultProfile[] = [];
  private faultRevision = -1;
  private readonly failedInstalls = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  readonly slotWriter: BatchWriter<ModuleSlotsRow>;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(NodesRepository) private readonly nodesRepo: NodesRepository,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
    @Inject(HeartbeatIngestor) private readonly ingestor: HeartbeatIngestor,
    @Inject(SimulationFaultsRepository) private readonly faultsRepo: SimulationFaultsRepository,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
  ) {
    this.slotWriter = new BatchWriter<ModuleSlotsRow>({
      flushIntervalMs: 20,
      maxBatch: 2_000,
      write: (rows) => this.database.transaction(() => this.nodesRepo.upsertSlots(rows, this.clock.now())),
      onError: (error, size) => this.logger.error({ msg: 'simulated slot write failed', size, err: error }),
    });
  }

  get enabled(): boolean {
    return this.config.fleet.simulation.enabled;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Simulated heartbeat interval: the configured one divided by the time scale. */
  get heartbeatIntervalMs(): number {
    return Math.max(
      1,
      Math.round(this.config.fleet.heartbeatIntervalMs / this.config.fleet.simulation.timeScale),
    );
  }

  private get ticksPerInterval(): number {
    return Math.max(1, Math.round(this.heartbeatIntervalMs / SIMULATION_TICK_MS));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    await this.environments.seed();
    const created = await this.seed();
    await this.reload();
    if (created > 0) this.logger.log({ msg: 'simulated fleet seeded', created, total: this.nodes.length });
    // Report once before the API is ready, so a restart does not leave the fleet Unknown until the
    // first tick (a deployment started right away would otherwise find unreachable nodes).
    await this.beatAll();
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.slotWriter.close().catch(() => undefined);
  }

  start(): void {
    if (this.timer !== undefined) return;
    const tickMs = Math.min(SIMULATION_TICK_MS, this.heartbeatIntervalMs);
    this.timer = setInterval(() => this.onTick(), tickMs);
    this.timer.unref();
  }

  /** Stops the heartbeat timer (tests drive heartbeats with {@link beatAll} instead). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Creates the simulated nodes the configured counts ask for and that do not exist yet. */
  async seed(): Promise<number> {
    const counts = this.config.fleet.simulation.nodeCounts;
    return this.database.transaction(async () => {
      const now = this.clock.now();
      const existing = new Set((await this.nodesRepo.simulated()).map((n) => `${n.environmentId}/${n.name}`));
      const rows: Omit<NodeEntity, 'environment'>[] = [];
      for (const [i, seeded] of SEEDED_ENVIRONMENTS.entries()) {
        const count = counts[i] ?? 0;
        if (count === 0) continue;
        const env = await this.environments.get(seeded.name).catch(() => null);
        if (env === null) continue;
        for (let n = 1; n <= count; n++) {
          const name = simulatedNodeName(env.name, n);
          if (existing.has(`${env.id}/${name}`)) continue;
          rows.push({
            id: randomUUID(),
            name,
            environmentId: env.id,
            labels: { simulated: 'true', zone: `zone-${(hash32(name) % 3) + 1}` },
            kind: 'simulated',
            status: 'Initializing',
            statusReason: 'simulated node seeded; waiting for the first heartbeat',
            statusChangedAt: now,
            lastHeartbeatAt: null,
            agentVersion: 'simulated',
            credentialHash: null,
            cpuPercent: null,
            memoryPercent: null,
            latencyP95Ms: null,
            errorRate: null,
            requestsPerSecond: null,
            desiredGeneration: 0,
            reportedGeneration: 0,
            registeredAt: now,
          });
        }
      }
      if (rows.length === 0) return 0;
      await this.nodesRepo.insertMany(rows);
      const names = new Map<string, string>();
      for (const r of rows) names.set(r.environmentId, await this.environments.nameOf(r.environmentId));
      await this.events.appendMany(
        rows.map((r) => ({
          type: 'node.registered' as const,
          subject: { nodeId: r.id, environment: names.get(r.environmentId) ?? r.environmentId },
          payload: {
            name: r.name,
            kind: 'simulated' as const,
            status: r.status,
            reason: 'simulated node seeded',
          },
        })),
      );
      await this.audit.record({
        action: 'simulation.seed',
        result: 'success',
        actor: null,
        resource: { type: 'simulated-fleet', id: 'simulation' },
        details: { created: rows.length, counts },
      });
      return rows.length;
    });
  }

  /** Re-reads the simulated nodes, their active versions and the fault set from the database. */
  async reload(): Promise<void> {
    const rows = await this.nodesRepo.simulated();
    const beats = new Map(this.nodes.map((n) => [n.id, n.beats]));
    const ticks = this.ticksPerInterval;
    this.nodes = rows.map((r) => ({
      id: r.id,
      name: r.name,
      environmentId: r.environmentId,
      phase: hash32(r.name) % ticks,
      beats: beats.get(r.id) ?? 0,
    }));
    const modules = await this.nodesRepo.simulatedActiveVersions();
    this.active.clear();
    for (const m of modules) this.setActive(m.nodeId, m.moduleName, m.activeVersion);
    await this.refreshFaults();
  }

  async refreshFaults(): Promise<void> {
    const { faults, revision } = await this.faultsRepo.read();
    if (revision !== this.faultRevision) {
      this.faults = faults;
      this.faultRevision = revision;
      this.failedInstalls.clear();
    }
  }

  get currentFaults(): readonly FaultProfile[] {
    return this.faults;
  }

  setActive(nodeId: string, moduleName: string, version: string | null): void {
    let modules = this.active.get(nodeId);
    if (modules === undefined) {
      modules = new Map();
      this.active.set(nodeId, modules);
    }
    modules.set(moduleName, version);
  }

  /** The metrics node `nodeId` reports at its `beat`-th heartbeat under the current faults. */
  metricsAt(node: { id: string; name: string }, beat: number) {
    return simulatedMetrics(
      this.config.fleet.simulation.seed,
      node.name,
      beat,
      this.active.get(node.id) ?? new Map(),
      this.faults,
    );
  }

  /** How many heartbeats a node has sent since this process started. */
  beatsOf(nodeId: string): number {
    return this.nodes.find((n) => n.id === nodeId)?.beats ?? 0;
  }

  /** Every simulated node heartbeats once now; resolves when all are committed. */
  async beatAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.beat(n)));
  }

  /**
   * Whether an install (or stage) of `version` on this node fails by the fault set: `all`, the first
   * N distinct nodes that try, or the named nodes.
   */
  installFails(node: { id: string; name: string }, moduleName: string, version: string): boolean {
    const fault = this.faults.find((f) => f.moduleName === moduleName && f.version === version);
    const rule = fault?.failInstall;
    if (rule === undefined) return false;
    if (rule === 'all') return true;
    if (Array.isArray(rule)) return rule.includes(node.name);
    const key = `${moduleName}@${version}`;
    let failed = this.failedInstalls.get(key);
    if (failed === undefined) {
      failed = new Set();
      this.failedInstalls.set(key, failed);
    }
    if (failed.has(node.id)) return true;
    if (failed.size < rule) {
      failed.add(node.id);
      return true;
    }
    return false;
  }

  installDelayMs(moduleName: string, version: string): number {
    const fault = this.faults.find((f) => f.moduleName === moduleName && f.version === version);
    return (fault?.installDelayMs ?? 0) / this.config.fleet.simulation.timeScale;
  }

  private beat(node: SimNode): Promise<void> {
    const metrics = this.metricsAt(node, node.beats);
    node.beats += 1;
    return this.ingestor.ingest({
      nodeId: node.id,
      environmentId: node.environmentId,
      kind: 'simulated',
      metrics,
    });
  }

  private onTick(): void {
    const ticks = this.ticksPerInterval;
    const slot = this.tick % ticks;
    this.tick += 1;
    for (const node of this.nodes) {
      if (node.phase === slot) {
        this.beat(node).catch(() => undefined);
      }
    }
    // Once per interval: pick up nodes, versions and faults changed elsewhere (another replica, the API).
    if (slot === ticks - 1) {
      this.reload().catch((error: unknown) =>
        this.logger.warn({ msg: 'simulation reload failed', err: error }),
      );
    }
  }
}
