import { exceedsDepth, JSON_MAX_DEPTH } from './json-depth';

function nested(depth: number, arrays: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
}

describe('exceedsDepth', () => {
  it.each([
    ['scalars', 'x', 0, false],
    ['an empty object', {}, 1, false],
    ['objects at the limit', nested(JSON_MAX_DEPTH, false), JSON_MAX_DEPTH, false],
    ['arrays at the limit', nested(JSON_MAX_DEPTH, true), JSON_MAX_DEPTH, false],
    ['objects one past the limit', nested(JSON_MAX_DEPTH + 1, false), JSON_MAX_DEPTH, true],
    [
      'mixed nesting one past the limit',
      { a: [{ b: nested(JSON_MAX_DEPTH - 2, true) }] },
      JSON_MAX_DEPTH,
      true,
    ],
  ])('%s', (_name, value, max, expected) => {
    expect(exceedsDepth(value, max)).toBe(expected);
  });

  it('walks a body far deeper than the stack allows without overflowing', () => {
    expect(exceedsDepth(nested(200_000, true), JSON_MAX_DEPTH)).toBe(true);
  });
});
