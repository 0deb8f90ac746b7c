import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { FieldError } from '@hotswap/contracts';
import { RequestValidationError } from './domain-error';

/** Whether any string in `value` contains U+0000 (walked without recursion or building paths). */
function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return true;
    } else if (typeof current === 'object' && current !== null) {
      for (const child of Object.values(current)) stack.push(child);
    }
  }
  return false;
}

/** Dotted paths of the strings in `value` that contain U+0000 (walked without recursion). */
export function fieldsWithNul(value: unknown, root: string): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (current.includes('\u0000')) found.push(path);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        stack.push([child, path === '' ? key : `${path}.${key}`]);
      }
    }
  }
  return found.sort();
}

/**
 * PostgreSQL text cannot hold U+0000: a parameter, query value or body string containing it made
 * the query fail with a 500. No field of this API has a use for it, so it is a 400 naming the field.
 */
@Injectable()
export class NulCharacterPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    // Every request passes here: the common case is one walk without paths; they are only built
    // for the answer when a NUL is there.
    if (metadata.type === 'custom' || !containsNul(value)) return value;
    const fields = fieldsWithNul(value, metadata.data ?? '');
    if (fields.length > 0) {
      const errors: FieldError[] = fields.map((field) => ({
        field: field === '' ? metadata.type : field,
        message: 'must not contain the NUL character (U+0000)',
      }));
      throw new RequestValidationError(errors);
    }
    return value;
  }
}
