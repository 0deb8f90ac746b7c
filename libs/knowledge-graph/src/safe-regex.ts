/**
 * Admission check for user-supplied regular expressions (`Matches` filters, schema `pattern`s).
 * PostgreSQL's regex engine and V8's both backtrack on some constructs; exponential blow-up needs a
 * backreference, a lookaround, or a quantified group that itself contains a quantifier or an
 * alternation (`(a+)+`, `(a|aa)*`). Those are refused up front, the length is capped, and queries
 * additionally run under `statement_timeout` — so a pattern is bounded twice (see DR-21).
 */
export const MAX_PATTERN_LENGTH = 200;

export function regexProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'the pattern is empty';
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed';
  if (/\(\?[=!<]/.test(pattern)) return 'lookaround assertions are not allowed';
  if (/\(\?[^:]/.test(pattern)) return 'only (?: ...) groups are allowed';
  // Walk the groups: a quantified group must contain neither a quantifier nor an alternation.
  const stack: { quantified: boolean; alternation: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ quantified: false, alternation: false });
      if (pattern.startsWith('?:', i + 1)) i += 2;
      continue;
    }
    if (c === ')') {
      const group = stack.pop();
      if (group === undefined) return 'unbalanced parentheses';
      const next = pattern[i + 1];
      const quantifiedGroup = next === '*' || next === '+' || next === '?' || next === '{';
      if (quantifiedGroup && (group.quantified || group.alternation)) {
        return 'nested quantifiers (a repeated group containing a quantifier or an alternation) are not allowed';
      }
      const parent = stack[stack.length - 1];
      if (parent !== undefined && (quantifiedGroup || group.quantified)) parent.quantified = true;
      continue;
    }
    const top = stack[stack.length - 1];
    if (top !== undefined && (c === '*' || c === '+' || c === '?' || c === '{')) top.quantified = true;
    if (top !== undefined && c === '|') top.alternation = true;
  }
  if (stack.length > 0 || inClass) return 'unbalanced parentheses or brackets';
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `the pattern does not compile (${error instanceof Error ? error.message : String(error)})`;
  }
  return null;
}
