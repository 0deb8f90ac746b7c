import { Fence, FENCE_PLACEHOLDER } from './fence';

describe('Fence', () => {
  const fence = new Fence('hotswap', 7);

  it('checks name, epoch and expiry with parameters numbered after the statement’s own', () => {
    const bound = fence.bind(`UPDATE rollout SET owner = $1 WHERE id = $2 AND ${FENCE_PLACEHOLDER}`, [
      'me',
      42,
    ]);
    expect(bound.sql).toBe(
      'UPDATE rollout SET owner = $1 WHERE id = $2 AND EXISTS (SELECT 1 FROM leader_lease WHERE name = $3 AND epoch = $4 AND expires_at > now())',
    );
    expect(bound.params).toEqual(['me', 42, 'hotswap', '7']);
  });

  it('replaces every placeholder', () => {
    const bound = fence.bind('SELECT 1 WHERE $fence AND $fence', []);
    expect(bound.sql.match(/\$1/g)).toHaveLength(2);
  });

  it('refuses a statement without the placeholder, which would not be fenced', () => {
    expect(() => fence.bind('UPDATE rollout SET owner = $1', ['me'])).toThrow('$fence');
  });

  it('refuses parameter numbers below 1', () => {
    expect(() => fence.condition(0)).toThrow();
  });
});
