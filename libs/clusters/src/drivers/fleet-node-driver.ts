import { Inject, Injectable } from '@nestjs/common';
import type { NodeKind } from '../node-status';
import { AgentNodeDriver } from './agent-node-driver';
import type { SlotOperation } from '../module-slots';
import type {
  MetricsWindow,
  NodeDriver,
  NodeHealthReport,
  NodeOperationItem,
  NodeOperationResult,
  NodeRef,
  NodeWindowMetrics,
  RetainOptions,
  RollbackOptions,
} from './node-driver';
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

  install(node: NodeRef, moduleName: string, version: string, options?: RetainOptions) {
    return this.of(node).install(node, moduleName, version, options);
  }

  stage(node: NodeRef, moduleName: string, version: string) {
    return this.of(node).stage(node, moduleName, version);
  }

  activate(node: NodeRef, moduleName: string, options?: RetainOptions) {
    return this.of(node).activate(node, moduleName, options);
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

  /** Each kind's share of the batch goes to its driver: as one batch where it has one, else one by one. */
  async operateMany(moduleName: string, items: readonly NodeOperationItem[]): Promise<NodeOperationResult[]> {
    const results: NodeOperationResult[] = new Array<NodeOperationResult>(items.length);
    await Promise.all(
      groupByKind(items, (i) => i.node).map(async ([kind, indexes]) => {
        const driver = this.drivers[kind];
        const mine = indexes.map((i) => items[i] as NodeOperationItem);
        const answers =
          driver.operateMany === undefined
            ? await Promise.all(mine.map((i) => single(driver, i.node, moduleName, i.operation)))
            : await driver.operateMany(moduleName, mine);
        indexes.forEach((index, k) => (results[index] = answers[k] as NodeOperationResult));
      }),
    );
    return results;
  }

  async healthMany(nodes: readonly NodeRef[], moduleName?: string): Promise<NodeHealthReport[]> {
    const results: NodeHealthReport[] = new Array<NodeHealthReport>(nodes.length);
    await Promise.all(
      groupByKind(nodes, (n) => n).map(async ([kind, indexes]) => {
        const driver = this.drivers[kind];
        const mine = indexes.map((i) => nodes[i] as NodeRef);
        const answers =
          driver.healthMany === undefined
            ? await Promise.all(mine.map((n) => driver.health(n, moduleName)))
            : await driver.healthMany(mine, moduleName);
        indexes.forEach((index, k) => (results[index] = answers[k] as NodeHealthReport));
      }),
    );
    return results;
  }

  /** Window metrics are read from stored samples whatever the kind: one query for the whole set. */
  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]> {
    return this.drivers.agent.metrics(nodes, window);
  }
}

/** Indexes of `items` per node kind. */
function groupByKind<T>(items: readonly T[], nodeOf: (item: T) => NodeRef): [NodeKind, number[]][] {
  const groups = new Map<NodeKind, number[]>();
  items.forEach((item, index) => {
    const kind = nodeOf(item).kind;
    const list = groups.get(kind) ?? [];
    list.push(index);
    groups.set(kind, list);
  });
  return [...groups];
}

function single(
  driver: NodeDriver,
  node: NodeRef,
  moduleName: string,
  operation: SlotOperation,
): Promise<NodeOperationResult> {
  switch (operation.op) {
    case 'install':
      return driver.install(node, moduleName, operation.version, retain(operation));
    case 'stage':
      return driver.stage(node, moduleName, operation.version);
    case 'activate':
      return driver.activate(node, moduleName, retain(operation));
    case 'unstage':
      return driver.unstage(node, moduleName);
    case 'rollback':
      return driver.rollback(
        node,
        moduleName,
        operation.fromVersion === undefined ? {} : { fromVersion: operation.fromVersion },
      );
  }
}

/** The retention an install or activate operation carries, as driver options. */
export function retain(operation: { readonly retainPreviousSeconds?: number }): RetainOptions {
  return operation.retainPreviousSeconds === undefined
    ? {}
    : { retainPreviousSeconds: operation.retainPreviousSeconds };
}
