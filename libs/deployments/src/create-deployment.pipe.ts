import { Injectable, type PipeTransform } from '@nestjs/common';
import type { FieldError } from '@hotswap/contracts';
import { flattenValidationErrors } from '@hotswap/http';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { CreateDeploymentDto } from './dto/create-deployment.dto';

export interface ParsedDeploymentRequest {
  readonly request: CreateDeploymentDto;
  /** Field errors of the body itself; the planner adds its own and reports them all together. */
  readonly errors: readonly FieldError[];
}

/**
 * Validates a deployment request but does not throw on field errors: the planner adds the checks
 * that need the database (environment names, strategy parameters) so every error is listed at once.
 */
@Injectable()
export class CreateDeploymentPipe implements PipeTransform<unknown, Promise<ParsedDeploymentRequest>> {
  async transform(value: unknown): Promise<ParsedDeploymentRequest> {
    const body = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
    const request = plainToInstance(CreateDeploymentDto, body);
    const errors = flattenValidationErrors(
      await validate(request, {
        whitelist: true,
        forbidNonWhitelisted: true,
        validationError: { target: false, value: false },
      }),
    );
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      errors.push({ field: 'body', message: 'the body must be a JSON object' });
    return { request, errors };
  }
}
