/**
 * The fencing token of one leadership term: the election's name and the term's epoch. A write made
 * for the leader role embeds {@link condition} in its own statement, so a leader that was paused and
 * replaced cannot land a late write: the epoch no longer matches and the statement changes nothing.
 */
export class Fence {
  constructor(
    readonly election: string,
    readonly epoch: number,
  ) {}

  /**
   * An SQL condition that holds only while this term is current, using parameters `$first` and
   * `$first+1`; append {@link params} to the statement's parameters.
   */
  condition(first: number): string {
    if (!Number.isInteger(first) || first < 1) throw new Error('parameter numbers start at 1');
    return `EXISTS (SELECT 1 FROM leader_lease WHERE name = $${first} AND epoch = $${first + 1} AND expires_at > now())`;
  }

  get params(): [string, string] {
    return [this.election, String(this.epoch)];
  }

  /**
   * `sql` with its `$fence` placeholder replaced by {@link condition} (numbered after `params`), and
   * the parameters to run it with.
   */
  bind(sql: string, params: readonly unknown[]): { sql: string; params: unknown[] } {
    if (!sql.includes(FENCE_PLACEHOLDER))
      throw new Error(`a fenced statement must contain ${FENCE_PLACEHOLDER}`);
    return {
      sql: sql.split(FENCE_PLACEHOLDER).join(this.condition(params.length + 1)),
      params: [...params, ...this.params],
    };
  }
}

export const FENCE_PLACEHOLDER = '$fence';

/** Thrown when a fenced write changed nothing because its term is over. */
export class FencedWriteRejectedError extends Error {
  constructor(readonly fence: Fence) {
    super(`write fenced by epoch ${fence.epoch} of '${fence.election}' was rejected: that term is over`);
    this.name = 'FencedWriteRejectedError';
  }
}
