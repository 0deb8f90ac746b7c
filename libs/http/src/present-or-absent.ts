import { ValidateIf } from 'class-validator';

/**
 * An optional body field that may be left out but not sent as null: unlike IsOptional, which skips
 * validation for null too, null is validated and refused. Services read an absent field as "keep
 * the default"; a null slipping past validation reached them as a value (a 500, or a NOT NULL
 * column). Query values are never null, so IsOptional stays right there.
 */
export const PresentOrAbsent = (): PropertyDecorator =>
  ValidateIf((_dto: object, value: unknown) => value !== undefined);
