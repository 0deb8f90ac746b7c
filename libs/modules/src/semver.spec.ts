import fc from 'fast-check';
import { isSemver, isSemverRange, newestFirst, satisfiesRange } from './semver';

describe('isSemver', () => {
  it.each([
    '0.0.0',
    '1.4.0',
    '2.0.0-beta.2',
    '1.0.0-alpha+001',
    '1.0.0+20130313144700',
    '1.0.0-x.7.z.92',
    '10.20.30',
  ])('accepts %s', (v) => expect(isSemver(v)).toBe(true));

  it.each(['1.0', '1', 'v1.0.0', '1.0.0.0', '1.0.a', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0+', ' 1.0.0', ''])(
    'refuses %j',
    (v) => expect(isSemver(v)).toBe(false),
  );

  it('accepts every version built from its grammar', () => {
    const numeric = fc.nat({ max: 10_000 }).map(String);
    fc.assert(
      fc.property(
        numeric,
        numeric,
        numeric,
        fc.option(fc.constantFrom('alpha', 'beta.2', 'rc.1', 'x-y')),
        (a, b, c, pre) => {
          expect(isSemver(`${a}.${b}.${c}${pre === null ? '' : `-${pre}`}`)).toBe(true);
        },
      ),
    );
  });
});

describe('ordering', () => {
  it('orders pre-releases before the release, numerically where numeric', () => {
    const versions = [
      '1.0.0',
      '1.0.0-alpha',
      '1.0.0-beta.10',
      '0.9.9',
      '1.0.0-beta.2',
      '1.0.0-alpha.1',
      '1.10.0',
      '1.2.0',
    ];
    expect([...versions].sort(newestFirst)).toEqual([
      '1.10.0',
      '1.2.0',
      '1.0.0',
      '1.0.0-beta.10',
      '1.0.0-beta.2',
      '1.0.0-alpha.1',
      '1.0.0-alpha',
      '0.9.9',
    ]);
  });
});

describe('ranges', () => {
  it.each(['^2.0.0', '~1.4', '>=1.2.0 <2.0.0', '1.x', '*'])('accepts range %s', (r) =>
    expect(isSemverRange(r)).toBe(true),
  );
  it.each(['', '   ', 'nonsense !!', '^^1'])('refuses range %j', (r) => expect(isSemverRange(r)).toBe(false));

  it('decides satisfaction by npm range rules', () => {
    expect(satisfiesRange('2.1.0', '^2.0.0')).toBe(true);
    expect(satisfiesRange('3.0.0', '^2.0.0')).toBe(false);
    expect(satisfiesRange('2.1.0-beta.1', '^2.0.0')).toBe(false);
  });
});
