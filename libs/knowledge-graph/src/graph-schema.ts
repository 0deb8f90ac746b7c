import type { FieldError } from '@hotswap/contracts';
import { regexProblem } from './safe-regex';

export const TYPE_NAME_PATTERN = /^[A-Za-z0-9_]{1,100}$/;
export const SCHEMA_VERSION_PATTERN = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

export const PROPERTY_KINDS = ['string', 'number', 'integer', 'boolean', 'object', 'array'] as const;
export type PropertyKind = (typeof PROPERTY_KINDS)[number];

export interface PropertyDefinition {
  readonly type: PropertyKind;
  readonly required?: boolean;
  /** Strings only: a bounded regular expression the whole value must match. */
  readonly pattern?: string;
  /** Numbers: the smallest allowed value; strings and arrays: the shortest length. */
  readonly min?: number;
  /** Numbers: the largest allowed value; strings and arrays: the longest length. */
  readonly max?: number;
}

export interface EntityTypeDefinition {
  readonly properties: Readonly<Record<string, PropertyDefinition>>;
}

export interface RelationshipTypeDefinition {
  readonly sourceTypes: readonly string[];
  readonly targetTypes: readonly string[];
  readonly properties?: Readonly<Record<string, PropertyDefinition>>;
}

export interface GraphSchemaDefinition {
  readonly entityTypes: Readonly<Record<string, EntityTypeDefinition>>;
  readonly relationshipTypes: Readonly<Record<string, RelationshipTypeDefinition>>;
  /** When true, entity and relationship types the schema does not declare are refused. */
  readonly strict?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkProperties(raw: unknown, at: string, errors: FieldError[]): Record<string, PropertyDefinition> {
  const out: Record<string, PropertyDefinition> = {};
  if (raw === undefined) return out;
  if (!isRecord(raw)) {
    errors.push({ field: at, message: 'must be an object of property definitions' });
    return out;
  }
  for (const [name, def] of Object.entries(raw)) {
    const field = `${at}.${name}`;
    if (!isRecord(def)) {
      errors.push({ field, message: 'must be an object' });
      continue;
    }
    const known = new Set(['type', 'required', 'pattern', 'min', 'max']);
    for (const key of Object.keys(def)) {
      if (!known.has(key)) errors.push({ field: `${field}.${key}`, message: `unknown member '${key}'` });
    }
    if (typeof def.type !== 'string' || !(PROPERTY_KINDS as readonly string[]).includes(def.type)) {
      errors.push({ field: `${field}.type`, message: `must be one of ${PROPERTY_KINDS.join(', ')}` });
      continue;
    }
    if (def.required !== undefined && typeof def.required !== 'boolean') {
      errors.push({ field: `${field}.required`, message: 'must be a boolean' });
    }
    if (def.pattern !== undefined) {
      if (typeof def.pattern !== 'string')
        errors.push({ field: `${field}.pattern`, message: 'must be a string' });
      else {
        const problem = regexProblem(def.pattern);
        if (problem !== null) errors.push({ field: `${field}.pattern`, message: problem });
      }
    }
    for (const bound of ['min', 'max'] as const) {
      if (def[bound] !== undefined && (typeof def[bound] !== 'number' || !Number.isFinite(def[bound]))) {
        errors.push({ field: `${field}.${bound}`, message: 'must be a finite number' });
      }
    }
    out[name] = def as unknown as PropertyDefinition;
  }
  return out;
}

function checkTypeNames(raw: unknown, field: string, errors: FieldError[]): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.push({ field, message: 'must be a non-empty array of entity type names' });
    return [];
  }
  raw.forEach((t, i) => {
    if (typeof t !== 'string' || !TYPE_NAME_PATTERN.test(t)) {
      errors.push({ field: `${field}.${i}`, message: 'must match ^[A-Za-z0-9_]{1,100}$' });
    }
  });
  return raw.filter((t): t is string => typeof t === 'string');
}

/** Checks a schema document as posted; every problem is listed. */
export function checkSchemaDefinition(raw: unknown): {
  definition: GraphSchemaDefinition;
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const entityTypes: Record<string, EntityTypeDefinition> = {};
  const relationshipTypes: Record<string, RelationshipTypeDefinition> = {};
  if (!isRecord(raw)) {
    errors.push({ field: 'definition', message: 'must be an object' });
    return { definition: { entityTypes, relationshipTypes }, errors };
  }
  const rawEntities = raw.entityTypes ?? {};
  if (!isRecord(rawEntities)) errors.push({ field: 'entityTypes', message: 'must be an object' });
  else {
    for (const [type, def] of Object.entries(rawEntities)) {
      if (!TYPE_NAME_PATTERN.test(type)) {
        errors.push({ field: `entityTypes.${type}`, message: 'type names must match ^[A-Za-z0-9_]{1,100}$' });
      }
      if (!isRecord(def)) {
        errors.push({ field: `entityTypes.${type}`, message: 'must be an object' });
        continue;
      }
      entityTypes[type] = {
        properties: checkProperties(def.properties, `entityTypes.${type}.properties`, errors),
      };
    }
  }
  const rawRels = raw.relationshipTypes ?? {};
  if (!isRecord(rawRels)) errors.push({ field: 'relationshipTypes', message: 'must be an object' });
  else {
    for (const [type, def] of Object.entries(rawRels)) {
      const at = `relationshipTypes.${type}`;
      if (!TYPE_NAME_PATTERN.test(type)) {
        errors.push({ field: at, message: 'type names must match ^[A-Za-z0-9_]{1,100}$' });
      }
      if (!isRecord(def)) {
        errors.push({ field: at, message: 'must be an object' });
        continue;
      }
      relationshipTypes[type] = {
        sourceTypes: checkTypeNames(def.sourceTypes, `${at}.sourceTypes`, errors),
        targetTypes: checkTypeNames(def.targetTypes, `${at}.targetTypes`, errors),
        properties: checkProperties(def.properties, `${at}.properties`, errors),
      };
    }
  }
  if (raw.strict !== undefined && typeof raw.strict !== 'boolean') {
    errors.push({ field: 'strict', message: 'must be a boolean' });
  }
  for (const key of Object.keys(raw)) {
    if (!['entityTypes', 'relationshipTypes', 'strict'].includes(key)) {
      errors.push({ field: key, message: `unknown member '${key}'` });
    }
  }
  return { definition: { entityTypes, relationshipTypes, strict: raw.strict === true }, errors };
}

function kindOf(value: unknown): PropertyKind | 'null' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as PropertyKind;
}

function checkValues(
  definitions: Readonly<Record<string, PropertyDefinition>>,
  properties: Readonly<Record<string, unknown>>,
  at: string,
  errors: FieldError[],
): void {
  for (const [name, def] of Object.entries(definitions)) {
    const field = `${at}.${name}`;
    const value = properties[name];
    if (value === undefined || value === null) {
      if (def.required === true) errors.push({ field, message: `is required by the schema` });
      continue;
    }
    const kind = kindOf(value);
    const matches = kind === def.type || (def.type === 'number' && kind === 'integer');
    if (!matches) {
      errors.push({ field, message: `must be of type ${def.type} (got ${kind})` });
      continue;
    }
    const size =
      typeof value === 'number'
        ? value
        : typeof value === 'string' || Array.isArray(value)
          ? value.length
          : undefined;
    const unit = typeof value === 'number' ? '' : ' in length';
    if (size !== undefined && def.min !== undefined && size < def.min) {
      errors.push({ field, message: `must be at least ${def.min}${unit}` });
    }
    if (size !== undefined && def.max !== undefined && size > def.max) {
      errors.push({ field, message: `must be at most ${def.max}${unit}` });
    }
    if (def.pattern !== undefined && typeof value === 'string' && !new RegExp(def.pattern, 'u').test(value)) {
      errors.push({ field, message: `must match the pattern ${def.pattern}` });
    }
  }
}

/** Structural and schema rules for an entity write. */
export function validateEntity(
  schema: GraphSchemaDefinition | null,
  type: string,
  properties: Readonly<Record<string, unknown>>,
): FieldError[] {
  const errors: FieldError[] = [];
  if (!TYPE_NAME_PATTERN.test(type))
    errors.push({ field: 'type', message: 'must match ^[A-Za-z0-9_]{1,100}$' });
  if (schema === null) return errors;
  const def = schema.entityTypes[type];
  if (def === undefined) {
    if (schema.strict === true)
      errors.push({ field: 'type', message: `entity type '${type}' is not in the schema` });
    return errors;
  }
  checkValues(def.properties, properties, 'properties', errors);
  return errors;
}

export interface RelationshipWrite {
  readonly type: string;
  readonly weight: number;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly sourceType: string;
  readonly targetType: string;
}

export function validateRelationship(
  schema: GraphSchemaDefinition | null,
  input: RelationshipWrite,
): FieldError[] {
  const errors: FieldError[] = [];
  if (!TYPE_NAME_PATTERN.test(input.type))
    errors.push({ field: 'type', message: 'must match ^[A-Za-z0-9_]{1,100}$' });
  if (!Number.isFinite(input.weight) || input.weight < 0) {
    errors.push({ field: 'weight', message: 'must be a finite number ≥ 0' });
  }
  if (schema === null) return errors;
  const def = schema.relationshipTypes[input.type];
  if (def === undefined) {
    if (schema.strict === true) {
      errors.push({ field: 'type', message: `relationship type '${input.type}' is not in the schema` });
    }
    return errors;
  }
  if (!def.sourceTypes.includes(input.sourceType)) {
    errors.push({
      field: 'sourceEntityId',
      message: `a '${input.type}' relationship may not start at a '${input.sourceType}' (allowed: ${def.sourceTypes.join(', ')})`,
    });
  }
  if (!def.targetTypes.includes(input.targetType)) {
    errors.push({
      field: 'targetEntityId',
      message: `a '${input.type}' relationship may not end at a '${input.targetType}' (allowed: ${def.targetTypes.join(', ')})`,
    });
  }
  checkValues(def.properties ?? {}, input.properties, 'properties', errors);
  return errors;
}

export function compareSchemaVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
