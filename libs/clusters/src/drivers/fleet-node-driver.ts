import { Inject, Injectable } from '@nestjs/common';
import type { NodeKind } from '../node-status';
import { AgentNodeDriver } from './agent-node-driver';
import type { MetricsWindow, NodeDriver, NodeRef, NodeWindowMetrics, RollbackOptions } from './node-driver';
import { SimulatedNodeDriver } from './simulated-node-driver';

/**
 * The NodeDriver the deployment engine injects (`NODE_DRIVER`): each call goes to the driver of the
 * node's kind. A test fails if a node kind has no driver.
 */
@Injectable()
export class FleetNodeDriver implements NodeDriver {
  readonly drivers: Readonly<Record<NodeKind, NodeDriver>>;

  constructor(
    @Inject(AgentNodeDriver) agent: AgentNodeDriver,
    @Inject(SimulatedNodeDriver) simulated: SimulatedNodeDriver,
  ) {
    this.drivers = { agent, simulated };
  }

  private of(node: NodeRef): NodeDriver {
    return this.drivers[node.kind];
  }

  install(node: NodeRef, moduleName: string, version: string) {
    return this.of(node).install(node, moduleName, version);
  }

  stage(node: NodeRef, moduleName: string, version: string) {
    return this.of(node).stage(node, moduleName, version);
  }

  activate(node: NodeRef, moduleName: string) {
    return this.of(node).activate(node, moduleName);
  }

  unstage(node: NodeRef, moduleName: string) {
    return this.of(node).unstage(node, moduleName);
  }

  rollback(node: NodeRef, moduleName: string, options?: RollbackOptions) {
    return this.of(node).rollback(node, moduleName, options);
  }

  health(node: NodeRef, moduleName?: string) {
    return this.of(node).health(node, moduleName);
  }

  /** Window metrics are read from stored samples whatever the kind: one query for the whole set. */
  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]> {
    return this.drivers.agent.metrics(nodes, window);
  }
}
