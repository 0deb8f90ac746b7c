import type { FieldError } from '@hotswap/contracts';
import { TYPE_NAME_PATTERN } from '../graph-schema';
import { regexProblem } from '../safe-regex';
import { FILTER_OPERATORS, type PropertyFilter } from './query.types';

const isScalar = (v: unknown) =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;

/** Checks a filter's value against its operator; every problem listed under `at`. */
export function checkFilter(f: PropertyFilter, at: string): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof f.property !== 'string' || f.property.length === 0 || f.property.length > 200) {
    errors.push({ field: `${at}.property`, message: 'must be a property name of 1–200 characters' });
  }
  if (!(FILTER_OPERATORS as readonly string[]).includes(f.operator)) {
    errors.push({
      field: `${at}.operator`,
      message: `unknown operator '${String(f.operator)}'; one of ${FILTER_OPERATORS.join(', ')}`,
    });
    return errors;
  }
  const v = f.value;
  const need = (ok: boolean, what: string) => {
    if (!ok) errors.push({ field: `${at}.value`, message: `${f.operator} needs ${what}` });
  };
  switch (f.operator) {
    case 'Equals':
    case 'NotEquals':
      need(v !== undefined, 'a value');
      break;
    case 'GreaterThan':
    case 'GreaterThanOrEqual':
    case 'LessThan':
    case 'LessThanOrEqual':
      need((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string', 'a number or a string');
      break;
    case 'Contains':
    case 'NotContains':
      need(v !== undefined && isScalar(v), 'a string (substring) or a scalar (array element)');
      break;
    case 'StartsWith':
    case 'EndsWith':
      need(typeof v === 'string', 'a string');
      break;
    case 'Matches':
      if (typeof v !== 'string') need(false, 'a regular expression string');
      else {
        const problem = regexProblem(v);
        if (problem !== null)
          errors.push({ field: `${at}.value`, message: `unsafe or invalid pattern: ${problem}` });
      }
      break;
    case 'In':
    case 'NotIn':
      need(Array.isArray(v) && v.length <= 1000, 'an array of at most 1000 values');
      break;
    case 'IsNull':
    case 'IsNotNull':
      need(v === undefined || v === null, 'no value');
      break;
  }
  return errors;
}

export function checkTypeName(type: string | undefined, field: string): FieldError[] {
  return type === undefined || TYPE_NAME_PATTERN.test(type)
    ? []
    : [{ field, message: 'must match ^[A-Za-z0-9_]{1,100}$' }];
}
