import { ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldError } from '@hotswap/contracts';
import { RequestValidationError } from './domain-error';

/** Flattens class-validator's tree into one entry per failed constraint, with dotted field paths. */
export function flattenValidationErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({
        field,
        message: constraint === 'whitelistValidation' ? `property ${field} is not allowed` : message,
      });
    }
    if (error.children !== undefined && error.children.length > 0) {
      out.push(...flattenValidationErrors(error.children, field));
    }
  }
  return out;
}

/**
 * The global pipe: unknown fields are refused (not silently dropped), payloads are turned into DTO
 * instances, and every field error is reported at once.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
