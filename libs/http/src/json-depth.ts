import { PlatformErrorCode } from '@hotswap/contracts';
import type { NextFunction, Request, Response } from 'express';
import { DomainError } from './domain-error';

/**
 * How deeply a JSON body may nest. Validation, the idempotency fingerprint and serialisers all walk
 * a body recursively; thousands of levels (a few kilobytes of `[[[[…`) overflowed the stack and
 * answered 500. No request of this API needs more than a handful of levels.
 */
export const JSON_MAX_DEPTH = 64;

/** Whether `value` nests objects or arrays more than `max` levels deep (walked without recursion). */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Refuses a parsed JSON body nested deeper than {@link JSON_MAX_DEPTH} with 400, before anything walks it. */
export function jsonDepthLimit(req: Request, _res: Response, next: NextFunction): void {
  if (exceedsDepth(req.body, JSON_MAX_DEPTH)) {
    next(
      new DomainError(
        PlatformErrorCode.MalformedBody,
        `The request body is nested deeper than the limit of ${JSON_MAX_DEPTH} levels.`,
      ),
    );
    return;
  }
  next();
}
