import { regexProblem } from './safe-regex';

describe('regexProblem', () => {
  it.each([['^web-[0-9]+$'], ['(?:ab)+c'], ['^[a-z]{2,5}(-[0-9])?$'], ['foo|bar'], ['a\\(b']])(
    'admits the bounded pattern %s',
    (pattern) => expect(regexProblem(pattern)).toBeNull(),
  );

  it.each([
    ['(a+)+$', /nested quantifiers/],
    ['(a|aa)*b', /nested quantifiers/],
    ['((ab)*)+', /nested quantifiers/],
    ['(a)\\1', /backreferences/],
    ['(?=a)b', /lookaround/],
    ['(ab', /unbalanced/],
    ['x'.repeat(201), /longer than/],
    ['', /empty/],
  ])('refuses %s', (pattern, reason) => expect(regexProblem(pattern)).toMatch(reason));
});
