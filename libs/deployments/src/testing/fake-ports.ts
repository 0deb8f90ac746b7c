import type {
  DeploymentScheduler,
  EnvironmentPolicy,
  EnvironmentsPort,
  NodeFleetPort,
  NodeOperationOutcome,
  NodeOperationRequest,
  TargetNode,
} from '../ports';
import type { MetricSample } from '../analysis/canary-analysis';
import { FakeFleet } from './fake-fleet';

/** The seeded environments' policies (product spec §3), with waits shortened for tests. */
export function testEnvironments(
  overrides: Partial<Record<string, Partial<EnvironmentPolicy>>> = {},
): EnvironmentPolicy[] {
  const approval = (required: boolean) => ({
    required,
    quorum: 1,
    timeoutSeconds: 86_400,
    approverRoles: ['Admin'],
    requesterMayApprove: !required,
    appliesToRollbacks: false,
  });
  const base: EnvironmentPolicy[] = [
    {
      name: 'Development',
      rank: 1,
      defaultStrategy: 'Direct',
      strategyDefaults: {},
      approvalPolicy: approval(false),
      requireSignedModules: false,
      maxConcurrentDeployments: 5,
      frozen: false,
    },
    {
      name: 'QA',
      rank: 2,
      defaultStrategy: 'Rolling',
      strategyDefaults: { Rolling: { batchSize: 2, healthCheckDelaySeconds: 0 } },
      approvalPolicy: approval(false),
      requireSignedModules: false,
      maxConcurrentDeployments: 5,
      frozen: false,
    },
    {
      name: 'Staging',
      rank: 3,
      defaultStrategy: 'BlueGreen',
      strategyDefaults: { BlueGreen: { smokeTestTimeoutSeconds: 5 } },
      approvalPolicy: approval(true),
      requireSignedModules: true,
      maxConcurrentDeployments: 5,
      frozen: false,
    },
    {
      name: 'Production',
      rank: 4,
      defaultStrategy: 'Canary',
      strategyDefaults: { Canary: { steps: [10, 30, 50, 100], stepWaitSeconds: 0, minSamples: 0 } },
      approvalPolicy: approval(true),
      requireSignedModules: true,
      maxConcurrentDeployments: 5,
      frozen: false,
    },
  ];
  return base.map((e) => ({ ...e, ...overrides[e.name] }));
}

export class FakeEnvironments implements EnvironmentsPort {
  constructor(public environments: EnvironmentPolicy[] = testEnvironments()) {}

  list(): Promise<EnvironmentPolicy[]> {
    return Promise.resolve(this.environments);
  }
}

/** Several fake fleets, one per environment and module, behind the node driver port. */
export class FakeFleetPort implements NodeFleetPort {
  readonly fleets = new Map<string, FakeFleet>();
  executed = 0;

  fleet(environment: string, moduleName: string, count = 0, version: string | null = '1.0.0'): FakeFleet {
    const key = `${environment}/${moduleName}`;
    let fleet = this.fleets.get(key);
    if (fleet === undefined) {
      fleet = new FakeFleet(count, version);
      // Node ids must be unique across environments.
      for (const node of fleet.nodes)
        (node as { id: string }).id =
          `${node.id.slice(0, 24)}${String(this.fleets.size).padStart(4, '0')}${node.id.slice(-8)}`;
      this.fleets.set(key, fleet);
    }
    return fleet;
  }

  private owner(nodeId: string): FakeFleet {
    for (const fleet of this.fleets.values()) if (fleet.nodes.some((n) => n.id === nodeId)) return fleet;
    throw new Error(`unknown node ${nodeId}`);
  }

  nodesOf(environment: string, moduleName: string): Promise<TargetNode[]> {
    return Promise.resolve(this.fleets.get(`${environment}/${moduleName}`)?.targets() ?? []);
  }

  execute(request: NodeOperationRequest): Promise<NodeOperationOutcome> {
    this.executed += 1;
    return Promise.resolve(
      this.owner(request.node.id).execute(request.kind, request.node.id, request.version),
    );
  }

  health(
    nodeIds: readonly string[],
    _moduleName: string,
  ): Promise<Map<string, { healthy: boolean; reason?: string }>> {
    return Promise.resolve(
      new Map(
        nodeIds.map((id) => {
          const fleet = this.owner(id);
          const node = fleet.byId(id);
          return [id, fleet.health(id, node.standby ?? node.active ?? '')];
        }),
      ),
    );
  }

  metrics(nodeIds: readonly string[]): Promise<MetricSample[]> {
    return Promise.resolve(
      nodeIds.flatMap((id) => this.owner(id).metrics([id], this.owner(id).byId(id).active ?? '')),
    );
  }

  /** Nodes flagged for reconciliation, by node name, with the module and the note. */
  readonly flagged: { node: string; moduleName: string; note: string }[] = [];

  flagUnrestored(nodeIds: readonly string[], moduleName: string, note: string): Promise<void> {
    for (const id of nodeIds) this.flagged.push({ node: this.owner(id).byId(id).name, moduleName, note });
    return Promise.resolve();
  }
}

/** Records what was scheduled; tests drive the runner themselves. */
export class RecordingScheduler implements DeploymentScheduler {
  readonly scheduled: { id: string; at?: Date }[] = [];

  schedule(deploymentId: string, at?: Date): Promise<void> {
    this.scheduled.push({ id: deploymentId, at });
    return Promise.resolve();
  }
}
