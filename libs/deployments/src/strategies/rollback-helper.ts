import type { TargetNode } from '../ports';
import type { StepResult, StrategyContext, StrategyState } from './strategy';

/** Nodes of the plan whose ids are listed, in plan order. */
export function pick(nodes: readonly TargetNode[], ids: readonly string[]): TargetNode[] {
  const wanted = new Set(ids);
  return nodes.filter((n) => wanted.has(n.id));
}

export function describeFailures(
  failed: readonly { nodeId: string; error: string }[],
  nodes: readonly TargetNode[],
): string {
  const names = new Map(nodes.map((n) => [n.id, n.name]));
  const shown = failed.slice(0, 5).map((f) => `${names.get(f.nodeId) ?? f.nodeId}: ${f.error}`);
  return failed.length > 5 ? `${shown.join('; ')}; and ${failed.length - 5} more` : shown.join('; ');
}

/**
 * Rolls back every node the stage updated — including the successful nodes of the batch or wave that
 * failed — and reports the failure with what could not be restored.
 */
export async function rollBackUpdated(
  context: StrategyContext,
  state: StrategyState,
  updatedIds: readonly string[],
  reason: string,
): Promise<StepResult> {
  const result = await context.run('rollback', pick(context.nodes, updatedIds), 'rollback');
  const unrestored = result.failed.map((f) => f.nodeId);
  await context.progress({ nodesUpdated: 0, nodesFailed: unrestored.length });
  const restored = result.succeeded.length;
  const message =
    unrestored.length === 0
      ? `${reason}; rolled back ${restored} node(s) to their previous version`
      : `${reason}; rolled back ${restored} node(s), ${unrestored.length} could not be restored (${describeFailures(result.failed, context.nodes)})`;
  return { type: 'failed', state: { ...state, phase: 'done' }, message, unrestoredNodeIds: unrestored };
}
