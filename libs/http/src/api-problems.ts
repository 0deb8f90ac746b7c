import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '@hotswap/contracts';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: every field error is listed in `errors`.',
  401: 'Missing, invalid or expired token.',
  403: 'The caller lacks the required role.',
  404: 'Not found.',
  409: 'Conflicts with the current state.',
  413: 'Payload too large.',
  415: 'Unsupported media type.',
  422: 'Semantically invalid.',
  429: 'Rate limit exceeded; see Retry-After.',
  503: 'Unavailable.',
};

/** Documents the problem+json answers a route can give. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error.',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
