import type { ValidationError } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { RequestValidationError } from './domain-error';
import { createValidationPipe, flattenValidationErrors } from './validation';

function validationError(
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError {
  return { property, constraints, children };
}

describe('flattenValidationErrors', () => {
  it('lists a top-level field error by its property name', () => {
    expect(flattenValidationErrors([validationError('name', { isString: 'name must be a string' })])).toEqual(
      [{ field: 'name', message: 'name must be a string' }],
    );
  });

  it('gives nested errors dotted paths, at any depth', () => {
    const errors = [
      validationError('spec', undefined, [
        validationError('steps', undefined, [
          validationError('2', undefined, [
            validationError('weight', { max: 'weight must not be greater than 100' }),
          ]),
        ]),
        validationError('owner', { isString: 'owner must be a string' }),
      ]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'spec.steps.2.weight', message: 'weight must not be greater than 100' },
      { field: 'spec.owner', message: 'owner must be a string' },
    ]);
  });

  it('reports a field that is not allowed by its full path', () => {
    const errors = [
      validationError('debug', { whitelistValidation: 'property debug should not exist' }),
      validationError('metadata', undefined, [
        validationError('extra', { whitelistValidation: 'property extra should not exist' }),
      ]),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'debug', message: 'property debug is not allowed' },
      { field: 'metadata.extra', message: 'property metadata.extra is not allowed' },
    ]);
  });

  it('lists each failed constraint of one field separately', () => {
    const errors = [
      validationError('port', {
        isInt: 'port must be an integer number',
        min: 'port must not be less than 1',
      }),
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'port', message: 'port must be an integer number' },
      { field: 'port', message: 'port must not be less than 1' },
    ]);
  });

  it('lists the parent’s own errors before its children’s', () => {
    const errors = [
      validationError('metadata', { isObject: 'metadata must be an object' }, [
        validationError('owner', { isString: 'owner must be a string' }),
      ]),
    ];
    expect(flattenValidationErrors(errors).map((e) => e.field)).toEqual(['metadata', 'metadata.owner']);
  });

  it('returns nothing for no errors', () => {
    expect(flattenValidationErrors([])).toEqual([]);
  });
});

class OwnerDto {
  @IsString()
  @MaxLength(20)
  team: string;
}

class CreateModuleDto {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]*$/)
  name: string;

  @IsInt()
  @Min(1)
  @Max(100)
  replicas: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => OwnerDto)
  owner?: OwnerDto;
}

async function rejection(value: unknown): Promise<RequestValidationError> {
  const pipe = createValidationPipe();
  try {
    await pipe.transform(value, { type: 'body', metatype: CreateModuleDto });
  } catch (error) {
    if (error instanceof RequestValidationError) return error;
    throw error;
  }
  throw new Error(`the pipe accepted ${JSON.stringify(value)}`);
}

describe('createValidationPipe', () => {
  it('turns a valid body into a DTO instance', async () => {
    const pipe = createValidationPipe();
    const result: unknown = await pipe.transform(
      { name: 'billing', replicas: 3, owner: { team: 'payments' } },
      { type: 'body', metatype: CreateModuleDto },
    );
    expect(result).toBeInstanceOf(CreateModuleDto);
    expect((result as CreateModuleDto).owner).toBeInstanceOf(OwnerDto);
    expect(result).toEqual({ name: 'billing', replicas: 3, owner: { team: 'payments' } });
  });

  it('reports every invalid field at once, with the code validation_failed', async () => {
    const error = await rejection({ name: 'Not Valid', replicas: 0, owner: { team: 42 } });
    expect(error.code).toBe('validation_failed');
    expect(new Set(error.fieldErrors.map((e) => e.field))).toEqual(
      new Set(['name', 'replicas', 'owner.team']),
    );
  });

  it('reports every failed constraint of one field', async () => {
    const error = await rejection({ name: 'billing', replicas: 'many' });
    expect(error.fieldErrors.filter((e) => e.field === 'replicas').map((e) => e.message)).toEqual(
      expect.arrayContaining([
        'replicas must be an integer number',
        'replicas must not be less than 1',
        'replicas must not be greater than 100',
      ]),
    );
  });

  it('refuses unknown fields instead of dropping them, nested ones included', async () => {
    const error = await rejection({
      name: 'billing',
      replicas: 1,
      debug: true,
      owner: { team: 'a', role: 'x' },
    });
    expect(error.fieldErrors).toEqual([
      { field: 'debug', message: 'property debug is not allowed' },
      { field: 'owner.role', message: 'property owner.role is not allowed' },
    ]);
  });

  it('lists missing required fields', async () => {
    const error = await rejection({});
    expect(new Set(error.fieldErrors.map((e) => e.field))).toEqual(new Set(['name', 'replicas']));
  });

  it('names the invalid fields in the error message', async () => {
    const error = await rejection({ name: 'billing', replicas: 1, debug: true });
    expect(error.message).toBe('The request has 1 invalid field: debug.');
  });
});
