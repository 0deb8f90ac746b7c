import type { AgentNodeDriver } from './agent-node-driver';
import { FleetNodeDriver } from './fleet-node-driver';
import type {
  NodeDriver,
  NodeHealthReport,
  NodeOperationItem,
  NodeOperationResult,
  NodeRef,
} from './node-driver';
import type { SimulatedNodeDriver } from './simulated-node-driver';

const ref = (id: string, kind: 'agent' | 'simulated'): NodeRef => ({
  id,
  name: id,
  kind,
  environmentId: 'e',
});

function result(nodeId: string, error?: string): NodeOperationResult {
  return {
    nodeId,
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    slots: null,
    durationMs: 0,
  };
}

function report(nodeId: string, healthy: boolean): NodeHealthReport {
  return { nodeId, healthy, status: 'Running', reasons: [], lastHeartbeatAt: null, metrics: null };
}

/** A driver without batch methods: records the single calls it gets. */
function singleDriver(calls: string[]): NodeDriver {
  const op = (name: string) => (node: NodeRef) => {
    calls.push(`${name}:${node.id}`);
    return Promise.resolve(result(node.id, node.id === 'a2' ? 'agent refused' : undefined));
  };
  return {
    install: op('install'),
    stage: op('stage'),
    activate: op('activate'),
    unstage: op('unstage'),
    rollback: (node, _module, options) => {
      calls.push(`rollback:${node.id}:${options?.fromVersion ?? '-'}`);
      return Promise.resolve(result(node.id));
    },
    health: (node) => Promise.resolve(report(node.id, node.id !== 'a2')),
    metrics: () => Promise.resolve([]),
  };
}

describe('FleetNodeDriver batches', () => {
  const agentCalls: string[] = [];
  const batches: string[][] = [];
  const simulated = {
    ...singleDriver([]),
    operateMany: (_module: string, items: readonly NodeOperationItem[]) => {
      batches.push(items.map((i) => `${i.operation.op}:${i.node.id}`));
      return Promise.resolve(items.map((i) => result(i.node.id)));
    },
    healthMany: (nodes: readonly NodeRef[]) => Promise.resolve(nodes.map((n) => report(n.id, true))),
  } as unknown as SimulatedNodeDriver;
  const driver = new FleetNodeDriver(singleDriver(agentCalls) as unknown as AgentNodeDriver, simulated);

  beforeEach(() => {
    agentCalls.length = 0;
    batches.length = 0;
  });

  it('sends the simulated share as one batch, the agent share one by one, answers in request order', async () => {
    const items: NodeOperationItem[] = [
      { node: ref('s1', 'simulated'), operation: { op: 'install', version: '2.0.0' } },
      { node: ref('a1', 'agent'), operation: { op: 'install', version: '2.0.0' } },
      { node: ref('s2', 'simulated'), operation: { op: 'install', version: '2.0.0' } },
      { node: ref('a2', 'agent'), operation: { op: 'install', version: '2.0.0' } },
    ];
    const results = await driver.operateMany('m', items);
    expect(results.map((r) => [r.nodeId, r.ok])).toEqual([
      ['s1', true],
      ['a1', true],
      ['s2', true],
      ['a2', false],
    ]);
    expect(results[3]?.error).toBe('agent refused');
    expect(batches).toEqual([['install:s1', 'install:s2']]);
    expect(agentCalls.sort()).toEqual(['install:a1', 'install:a2']);
  });

  it('maps every slot operation to the single call of a driver without batches, rollback guard included', async () => {
    await driver.operateMany('m', [
      { node: ref('a1', 'agent'), operation: { op: 'stage', version: '2.0.0' } },
      { node: ref('a3', 'agent'), operation: { op: 'activate' } },
      { node: ref('a4', 'agent'), operation: { op: 'unstage' } },
      { node: ref('a5', 'agent'), operation: { op: 'rollback', fromVersion: '2.0.0' } },
      { node: ref('a6', 'agent'), operation: { op: 'rollback' } },
    ]);
    expect(agentCalls).toEqual([
      'stage:a1',
      'activate:a3',
      'unstage:a4',
      'rollback:a5:2.0.0',
      'rollback:a6:-',
    ]);
  });

  it('answers health for a mixed batch in request order', async () => {
    const reports = await driver.healthMany(
      [ref('a2', 'agent'), ref('s1', 'simulated'), ref('a1', 'agent')],
      'm',
    );
    expect(reports.map((r) => [r.nodeId, r.healthy])).toEqual([
      ['a2', false],
      ['s1', true],
      ['a1', true],
    ]);
  });
});
