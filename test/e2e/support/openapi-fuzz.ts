import http from 'node:http';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/** The parts of an OpenAPI 3.0 document the fuzzer reads. */
export interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly example?: unknown;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly allOf?: readonly Schema[];
  readonly nullable?: boolean;
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema?: Schema;
}

interface MediaType {
  readonly schema?: Schema;
}

interface ResponseSpec {
  readonly content?: Readonly<Record<string, MediaType>>;
}

interface OperationObject {
  readonly operationId?: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content: Readonly<Record<string, MediaType>>;
  };
  readonly responses: Readonly<Record<string, ResponseSpec>>;
  readonly security?: readonly unknown[];
}

export interface OpenApiDocument {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>> };
}

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly id: string;
  readonly parameters: readonly Parameter[];
  readonly body?: { readonly required: boolean; readonly mediaType: string; readonly schema: Schema };
  readonly responses: Readonly<Record<string, ResponseSpec>>;
  readonly secured: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const mediaType = Object.keys(content)[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        id: op.operationId ?? `${method} ${path}`,
        parameters: op.parameters ?? [],
        body:
          mediaType === undefined
            ? undefined
            : {
                required: op.requestBody?.required === true,
                mediaType,
                schema: content[mediaType]?.schema ?? {},
              },
        responses: op.responses,
        secured: (op.security ?? []).length > 0,
      });
    }
  }
  return operations;
}

/** Follows `$ref` and merges `allOf` (Nest's swagger plugin wraps a nested DTO in a one-item `allOf`). */
function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  if (schema === undefined) return {};
  if (schema.$ref !== undefined) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolve(doc, doc.components.schemas[name]);
  }
  if (schema.allOf !== undefined) {
    const { allOf, ...rest } = schema;
    return allOf.reduce<Schema>((merged, part) => ({ ...merged, ...resolve(doc, part) }), rest);
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------------
// Values

/** Field names a client must never be able to set (mass assignment) or that poke at the prototype. */
const FORBIDDEN_FIELDS = [
  'id',
  'role',
  'roles',
  'status',
  'passwordHash',
  'isAdmin',
  'createdAt',
  'ownerId',
  'toString',
  'hasOwnProperty',
];

/** Strings that broke parsers, routers and queries elsewhere; none of them spells SQL a leak check would match. */
const ODD_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '../../etc/passwd',
  '..\\..\\windows',
  '%',
  '%%',
  '%00',
  '\u0000',
  '\u0000abc',
  '\t\n\r',
  "'",
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '"',
  '\\',
  '`',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  '\u202eRTL',
  '\ud83d\ude80\ud83d\udd25',
  'Ünïcödé',
  '\u200b',
  'a'.repeat(256),
  'PRODUCTION',
  'Production ',
  ' production',
];

const WEIRD_NUMBERS = [
  -1,
  0,
  -0,
  0.5,
  -0.000001,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 63,
  123456789012345680000,
];

const anyScalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(...WEIRD_NUMBERS),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...ODD_STRINGS),
);

/** A value of any JSON type, including the awkward ones. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small', withCrossShrink: true },
  anyScalar,
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(anyScalar, { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyScalar, { maxKeys: 4 }),
);

const deepValue = fc
  .tuple(fc.integer({ min: 20, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) => ({ deep: depth, arrays }));

type Special = { deep: number; arrays: boolean } | { huge: number; char: string };

const hugeString = fc
  .tuple(
    fc.constantFrom(1_000, 65_536, 300_000, 1_100_000),
    fc.constantFrom('x', 'é', '\ud83d\ude80', '\\', '"'),
  )
  .map(([huge, char]) => ({ huge, char }));

/** A value the schema accepts, as far as the schema tells (patterns and examples are honoured). */
function validValue(doc: OpenApiDocument, raw: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(doc, raw);
  const base = validValueOfType(doc, schema, depth);
  return schema.example === undefined ? base : fc.oneof(fc.constant(schema.example), base);
}

function validValueOfType(doc: OpenApiDocument, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1_000, 1_000_000) });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 3
        ? fc.constant([])
        : fc.array(validValue(doc, schema.items, depth + 1), { maxLength: 3 });
    case 'object':
    case undefined:
      return validObject(doc, schema, depth);
    default:
      return fc.constant(null);
  }
}

function validString(schema: Schema): fc.Arbitrary<string> {
  switch (schema.format ?? '') {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
    case 'email':
      return fc.emailAddress();
    default:
      break;
  }
  if (schema.pattern !== undefined) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 200));
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
}

function validObject(doc: OpenApiDocument, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 3) return fc.constant({});
  const properties = schema.properties ?? {};
  const required = schema.required ?? [];
  const keys = Object.keys(properties);
  const record =
    keys.length === 0
      ? fc.constant({})
      : fc.record(Object.fromEntries(keys.map((k) => [k, validValue(doc, properties[k], depth + 1)])), {
          requiredKeys: keys.filter((k) => required.includes(k)),
        });
  if (typeof schema.additionalProperties === 'object') {
    const extra = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 10 }),
      validValue(doc, schema.additionalProperties, depth + 1),
      { maxKeys: 3 },
    );
    return fc.tuple(record, extra).map(([a, b]) => ({ ...b, ...a }));
  }
  if (schema.additionalProperties === true && keys.length === 0) {
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), anyJson, { maxKeys: 3 });
  }
  return record;
}

/** A JSON text with `special` placed where `marker` was serialised. */
function withSpecial(text: string, marker: string, special: Special): string {
  const replacement =
    'huge' in special
      ? JSON.stringify(special.char.repeat(Math.ceil(special.huge / special.char.length)))
      : special.arrays
        ? `${'['.repeat(special.deep)}1${']'.repeat(special.deep)}`
        : `${'{"a":'.repeat(special.deep)}1${'}'.repeat(special.deep)}`;
  return text.replace(JSON.stringify(marker), () => replacement);
}

const MARKER = '\u0001fuzz-special\u0001';

interface BodyPart {
  readonly contentType?: string;
  readonly text?: string;
  readonly bytes?: Buffer;
  readonly note: string;
}

/** Every way a JSON body can be wrong, and sometimes right. */
function jsonBody(doc: OpenApiDocument, raw: Schema): fc.Arbitrary<BodyPart> {
  const schema = resolve(doc, raw);
  const valid = validValue(doc, schema) as fc.Arbitrary<Record<string, unknown>>;
  const keys = Object.keys(schema.properties ?? {});
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.string({ minLength: 1, maxLength: 10 });
  const asObject = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
  const json = (note: string) => (value: unknown) => ({ text: JSON.stringify(value), note });

  const mutated: fc.Arbitrary<BodyPart>[] = [
    valid.map(json('valid-looking body')),
    fc.tuple(valid, key).map(([v, k]) => {
      const o = asObject(v);
      delete o[k];
      return { text: JSON.stringify(o), note: `without ${k}` };
    }),
    fc.tuple(valid, key, anyJson).map(([v, k, w]) => ({
      text: JSON.stringify({ ...asObject(v), [k]: w }),
      note: `${k} of another type`,
    })),
    fc
      .tuple(valid, key)
      .map(([v, k]) => ({ text: JSON.stringify({ ...asObject(v), [k]: null }), note: `${k}: null` })),
    fc.tuple(valid, fc.constantFrom(...FORBIDDEN_FIELDS), anyJson).map(([v, k, w]) => ({
      text: JSON.stringify({ ...asObject(v), [k]: w }),
      note: `extra field ${k}`,
    })),
    fc.tuple(valid, fc.constantFrom('__proto__', 'constructor')).map(([v, k]) => {
      const payload = k === '__proto__' ? '{"polluted":"yes"}' : '{"prototype":{"polluted":"yes"}}';
      const text = JSON.stringify(asObject(v));
      return { text: text === '{}' ? `{"${k}":${payload}}` : `{"${k}":${payload},${text.slice(1)}`, note: k };
    }),
    fc.tuple(valid, key, fc.oneof(hugeString, deepValue)).map(([v, k, s]) => ({
      text: withSpecial(JSON.stringify({ ...asObject(v), [k]: MARKER }), MARKER, s),
      note: 'huge' in s ? `${k}: ${s.huge} × ${JSON.stringify(s.char)}` : `${k}: nested ${s.deep} deep`,
    })),
    fc.tuple(valid, key).map(([v, k]) => {
      const o = asObject(v);
      return { text: JSON.stringify({ ...o, [k]: [o[k] ?? {}] }), note: `${k} wrapped in an array` };
    }),
    fc.tuple(valid, key).map(([v, k]) => {
      const o = asObject(v);
      return { text: JSON.stringify({ ...o, [k]: { value: o[k] ?? 1 } }), note: `${k} wrapped in an object` };
    }),
    valid.map((v) => ({ text: JSON.stringify([v]), note: 'array instead of an object' })),
    fc.oneof(anyScalar, fc.constant([])).map(json('top-level scalar')),
    deepValue.map((s) => ({
      text: withSpecial(JSON.stringify(MARKER), MARKER, s),
      note: `top level ${s.deep} deep`,
    })),
    anyJson.map(json('any JSON')),
    fc
      .constantFrom(
        '',
        '{',
        '{"a":',
        '{"a":1,}',
        "{'a':1}",
        '{"a":NaN}',
        '{"a":undefined}',
        '{"a":1} trailing',
        '// comment\n{}',
        '\ufeff{}',
        '{"a":"\\ud800"}',
        '{"a":"\\u00"}',
        '[',
        ']',
        'null',
        'true',
        '"just a string"',
        '1e99999',
        '{"a":1,"a":2}',
      )
      .map((text) => ({ text, note: `JSON text ${JSON.stringify(text)}` })),
    fc.string({ maxLength: 200 }).map((text) => ({ text, note: 'random text' })),
    fc.uint8Array({ maxLength: 200 }).map((a) => ({ bytes: Buffer.from(a), note: 'random bytes' })),
  ];
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant('application/json') },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=xyz',
        'application/xml',
        'application/octet-stream',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=nonsense',
        'application/merge-patch+json',
        'APPLICATION/JSON',
        'application/json;;;',
        'application/',
        '/',
        'json',
        '*/*',
        '',
      ),
    },
  );
  return fc.tuple(fc.oneof(...mutated), contentType).map(([part, ct]) => ({
    ...part,
    contentType: ct === '' ? undefined : ct,
    note: `${part.note} as ${ct || '(no type)'}`,
  }));
}

/** Multipart bodies for the upload route: broken framing, missing parts, parts of the wrong kind. */
function multipartBody(): fc.Arbitrary<BodyPart> {
  const boundary = 'fuzzboundary';
  const part = (name: string, value: string, filename?: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${
      filename === undefined ? '' : `; filename="${filename}"`
    }\r\n\r\n${value}\r\n`;
  const field = fc.tuple(
    fc.constantFrom('manifest', 'artifact', 'signature', 'signingKeyId', 'extra', 'artifact[]', ''),
    fc.oneof(
      fc.string({ maxLength: 50 }),
      fc.constantFrom(...ODD_STRINGS),
      deepValue.map((d) => withSpecial(JSON.stringify(MARKER), MARKER, d)),
      hugeString.filter((h) => h.huge < 1_000_000).map((h) => withSpecial(JSON.stringify(MARKER), MARKER, h)),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    ),
    fc.option(fc.constantFrom('index.js', '../../x.js', '', '\u0000.js'), { nil: undefined }),
  );
  return fc.oneof(
    fc.array(field, { maxLength: 5 }).map((fields) => ({
      contentType: `multipart/form-data; boundary=${boundary}`,
      text: `${fields.map(([n, v, f]) => part(n, v, f)).join('')}--${boundary}--\r\n`,
      note: `multipart fields ${fields.map(([n]) => n).join(',')}`,
    })),
    fc.array(field, { minLength: 1, maxLength: 3 }).map((fields) => ({
      contentType: `multipart/form-data; boundary=${boundary}`,
      text: fields.map(([n, v, f]) => part(n, v, f)).join(''),
      note: 'multipart without the closing boundary',
    })),
    fc
      .constantFrom(
        'multipart/form-data',
        'multipart/form-data; boundary=',
        'multipart/form-data; boundary=other',
      )
      .map((contentType) => ({
        contentType,
        text: part('manifest', '{}'),
        note: `multipart as ${contentType}`,
      })),
    fc
      .constantFrom(
        `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--\r\n`,
        `--${boundary}\r\n\r\n\r\n--${boundary}--\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="manifest"\r\n`,
        `garbage before\r\n--${boundary}--`,
        '',
      )
      .map((text) => ({
        contentType: `multipart/form-data; boundary=${boundary}`,
        text,
        note: 'broken multipart framing',
      })),
    fc.jsonValue({ maxDepth: 2 }).map((v) => ({
      contentType: 'application/json',
      text: JSON.stringify(v),
      note: 'JSON instead of multipart',
    })),
  );
}

/** Percent-encodes every byte outside the unreserved set (lone surrogates become U+FFFD). */
function encodeSegment(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent sequences that do not decode (truncated, not hex, invalid UTF-8): sent as they are. */
const BROKEN_ENCODINGS = ['%', '%zz', '%E0%A4%A', '%C0%AF', '%FF', '%ED%A0%80', 'a%2', '%%41'];

export interface Hints {
  /** Real values for path parameters of this name (such as the seeded environments' names). */
  readonly pathValues: Readonly<Record<string, readonly string[]>>;
}

function malformedString(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...ODD_STRINGS),
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    fc.constantFrom(300, 1_000, 4_000).map((n) => 'n'.repeat(n)),
    fc.uuid().map((u) => u.toUpperCase()),
    fc.uuid().map((u) => `${u}x`),
    fc.uuid().map((u) => u.replace(/-/g, '')),
  );
}

/** A path parameter: mostly not what the route wants, sometimes real, sometimes not even decodable. */
function pathValue(doc: OpenApiDocument, param: Parameter, hints: Hints): fc.Arbitrary<string> {
  const real = hints.pathValues[param.name] ?? [];
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 6, arbitrary: malformedString().map(encodeSegment) },
    { weight: 2, arbitrary: validValue(doc, param.schema).map((v) => encodeSegment(String(v))) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_ENCODINGS) },
    { weight: 1, arbitrary: fc.constantFrom('%2F', '..%2F..', '%2E%2E', 'a%2Fb', '%5C') },
  ];
  if (real.length > 0) options.push({ weight: 3, arbitrary: fc.constantFrom(...real.map(encodeSegment)) });
  // An empty segment is another route (`/schemas/` is the list), not a value of this parameter.
  return fc.oneof(...options).filter((segment) => segment.length > 0);
}

/** A query parameter value of the right or wrong type, possibly repeated or bracketed. */
function queryPairs(doc: OpenApiDocument, param: Parameter): fc.Arbitrary<string[]> {
  const schema = resolve(doc, param.schema);
  const numeric = schema.type === 'number' || schema.type === 'integer';
  const wrong = fc.oneof(
    malformedString(),
    fc.constantFrom(...WEIRD_NUMBERS.map(String), '1.5', '0x10', ' 5', '5 ', '+5', '1e3', '-0', '', 'ten'),
    fc.integer().map(String),
    fc.constantFrom(
      '2026-13-45T99:99:99Z',
      '2026-02-30',
      'yesterday',
      '0',
      '9999-12-31T23:59:59.999Z',
      '-271821-04-20T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '0000-01-01T00:00:00Z',
    ),
  );
  const name = encodeSegment(param.name);
  const value = fc.oneof(
    { weight: 2, arbitrary: validValue(doc, schema).map((v) => encodeSegment(String(v))) },
    { weight: 4, arbitrary: wrong.map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_ENCODINGS) },
    ...(numeric ? [{ weight: 2, arbitrary: fc.double().map((n) => encodeSegment(String(n))) }] : []),
  );
  return fc.oneof(
    { weight: 6, arbitrary: value.map((v) => [`${name}=${v}`]) },
    { weight: 1, arbitrary: fc.tuple(value, value).map(([a, b]) => [`${name}=${a}`, `${name}=${b}`]) },
    { weight: 1, arbitrary: value.map((v) => [`${name}%5B%5D=${v}`, `${name}%5Bx%5D=${v}`]) },
    { weight: 1, arbitrary: fc.constant<string[]>([name]) },
  );
}

export type AuthVariant = 'admin' | 'none' | 'garbage' | 'alg-none' | 'basic' | 'huge';

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly auth: AuthVariant;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly note: string;
}

/** Every malformed request this fuzzer can make for one operation. */
export function fuzzRequest(doc: OpenApiDocument, op: Operation, hints: Hints): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const hasIdempotencyKey = op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key');

  const path = fc
    .tuple(...pathParams.map((p) => pathValue(doc, p, hints)))
    .map((values) => pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, values[i] ?? ''), op.path));

  const query = fc
    .tuple(
      fc
        .subarray([...queryParams])
        .chain((chosen) =>
          chosen.length === 0
            ? fc.constant<string[][]>([])
            : fc.tuple(...chosen.map((p) => queryPairs(doc, p))),
        ),
      fc.option(
        fc.constantFrom(
          'unknown=1',
          'limit=1&limit=2',
          '__proto__%5Bx%5D=1',
          'a%5Bb%5D%5Bc%5D=1',
          '&&&',
          '=',
          '%',
        ),
        { nil: undefined, freq: 5 },
      ),
    )
    .map(([pairs, extra]) => {
      const all = [...pairs.flat(), ...(extra === undefined ? [] : [extra])];
      return all.length === 0 ? '' : `?${all.join('&')}`;
    });

  const body: fc.Arbitrary<BodyPart | undefined> =
    op.body === undefined
      ? fc.option(
          fc.constantFrom<BodyPart>(
            {
              contentType: 'application/json',
              text: '{"unexpected":true}',
              note: 'a body where none is taken',
            },
            { contentType: 'application/json', text: '{', note: 'broken JSON where no body is taken' },
            { contentType: 'text/plain', text: 'hello', note: 'text where no body is taken' },
          ),
          { nil: undefined, freq: 4 },
        )
      : op.body.mediaType === 'multipart/form-data'
        ? multipartBody()
        : fc.oneof(
            { weight: 20, arbitrary: jsonBody(doc, op.body.schema) },
            { weight: 1, arbitrary: fc.constant<BodyPart>({ note: 'no body at all' }) },
          );

  const auth = op.secured
    ? fc.oneof(
        { weight: 17, arbitrary: fc.constant<AuthVariant>('admin') },
        {
          weight: 3,
          arbitrary: fc.constantFrom<AuthVariant>('none', 'garbage', 'alg-none', 'basic', 'huge'),
        },
      )
    : fc.constantFrom<AuthVariant>('none', 'admin', 'garbage');

  const idempotencyKey = hasIdempotencyKey
    ? fc.option(
        fc.oneof(
          fc.constantFrom('fuzz-key-1', 'fuzz-key-2'),
          fc.constantFrom('', ' ', 'k'.repeat(256), 'clé', 'a b', '\t'),
          fc.string({ minLength: 1, maxLength: 30 }).filter((s) => /^[\x20-\x7e]+$/.test(s)),
        ),
        { nil: undefined, freq: 3 },
      )
    : fc.constant(undefined);

  return fc.tuple(path, query, body, auth, idempotencyKey).map(([p, q, b, a, key]) => {
    const headers: Record<string, string> = {};
    if (b?.contentType !== undefined) headers['content-type'] = b.contentType;
    if (key !== undefined) headers['idempotency-key'] = key;
    const bytes = b?.bytes ?? (b?.text === undefined ? undefined : Buffer.from(b.text, 'utf8'));
    return {
      method: op.method,
      path: `${p}${q}`,
      auth: a,
      headers,
      body: bytes,
      note: [
        b?.note,
        a === 'admin' ? undefined : `auth: ${a}`,
        key === undefined ? undefined : `key ${JSON.stringify(key)}`,
      ]
        .filter((s) => s !== undefined)
        .join('; '),
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Sending

export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

const ALG_NONE =
  'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbIkFkbWluIl0sImV4cCI6NDEwMjQ0NDgwMH0.';

function authorization(auth: AuthVariant, adminToken: string): string | undefined {
  switch (auth) {
    case 'admin':
      return `Bearer ${adminToken}`;
    case 'none':
      return undefined;
    case 'garbage':
      return 'Bearer not.a.token';
    case 'alg-none':
      return `Bearer ${ALG_NONE}`;
    case 'basic':
      return 'Basic YWRtaW46YWRtaW4=';
    case 'huge':
      return `Bearer ${'A'.repeat(40_000)}`;
  }
}

/** A keep-alive HTTP client that sends paths and bodies exactly as given. */
export class RawClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  send(req: FuzzRequest, adminToken: string): Promise<Reply> {
    const headers: Record<string, string | number> = { ...req.headers, accept: '*/*' };
    const auth = authorization(req.auth, adminToken);
    if (auth !== undefined) headers.authorization = auth;
    if (req.body !== undefined) headers['content-length'] = req.body.length;
    return new Promise<Reply>((resolvePromise, reject) => {
      let answered = false;
      const outgoing = http.request(
        { host: this.host, port: this.port, method: req.method, path: req.path, headers, agent: this.agent },
        (res) => {
          answered = true;
          const contentType = String(res.headers['content-type'] ?? '');
          // A stream that opened would never end: its status and type are the answer.
          if (contentType.startsWith('text/event-stream')) {
            res.destroy();
            resolvePromise({ status: res.statusCode ?? 0, contentType, text: '' });
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolvePromise({
              status: res.statusCode ?? 0,
              contentType,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('no answer within 30 s')));
      // The server may answer (413, 415) before it read the whole body and close the connection.
      outgoing.on('error', (error) => {
        if (!answered) reject(error);
      });
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// Checking

const LEAKS: readonly [string, RegExp][] = [
  ['a stack frame', /\bat [\w$.<>[\]]+ \(|\n\s+at \S/],
  ['a source path', /(\/|\\)[\w.-]+\.(ts|js|mjs|cjs):\d+/],
  ['node_modules', /node_modules/],
  ['an Error: line with a path', /\b\w*Error: [^"]*(\/|\\)\w/],
  ['SQL', /\b(SELECT|INSERT|UPDATE|DELETE)\b[^"]*\b(FROM|INTO|SET)\b/i],
  ['QueryFailedError', /QueryFailedError|EntityNotFound|TypeORM/i],
  [
    'a PostgreSQL error',
    /syntax error at or near|violates (not-null|unique|foreign key|check)|duplicate key value|invalid input syntax for type|relation "[^"]+" does not exist|column "[^"]+" (of relation|does not exist)/i,
  ],
  ['a password hash', /\$argon2(id|i|d)\$/],
];

const PROBLEM = /^application\/problem\+json/;

export class ResponseContract {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly problem: ValidateFunction;
  /** Statuses answered but not documented, per operation (reported, not failed, for 4xx). */
  readonly undocumented = new Map<string, Set<number>>();

  constructor(doc: OpenApiDocument) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('password', true);
    this.ajv.addSchema({ $id: 'openapi.json', components: doc.components });
    this.problem = this.ajv.compile({ $ref: 'openapi.json#/components/schemas/Problem' });
  }

  private validator(schema: Schema): ValidateFunction {
    const text = JSON.stringify(schema).replace(/"#\/components\//g, '"openapi.json#/components/');
    let fn = this.compiled.get(text);
    if (fn === undefined) {
      fn = this.ajv.compile(JSON.parse(text) as object);
      this.compiled.set(text, fn);
    }
    return fn;
  }

  /** Everything wrong with `reply` as an answer to `req`; empty when it is acceptable. */
  check(op: Operation, req: FuzzRequest, reply: Reply): string[] {
    const problems: string[] = [];
    const { status, text } = reply;
    const mediaType = reply.contentType.split(';')[0]?.trim() ?? '';
    if (status >= 500) problems.push(`answered ${status}`);
    for (const [what, pattern] of LEAKS) {
      if (pattern.test(text)) problems.push(`the body shows ${what}`);
    }
    if (op.secured && req.auth !== 'admin' && status < 400) {
      problems.push(`answered ${status} without valid credentials (${req.auth})`);
    }
    let body: unknown;
    const isJson = /json/.test(mediaType);
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(`a ${mediaType} body that is not JSON`);
        return problems;
      }
    }
    if (status >= 400) {
      if (!PROBLEM.test(reply.contentType)) problems.push(`an error as ${reply.contentType || '(no type)'}`);
      else if (!this.problem(body))
        problems.push(`not the house problem shape: ${this.ajv.errorsText(this.problem.errors)}`);
      else if ((body as { status: unknown }).status !== status)
        problems.push('a problem whose status differs');
    }
    const documented = op.responses[String(status)] ?? op.responses.default;
    if (documented === undefined) {
      if (status < 400) problems.push(`${status} is not a documented answer`);
      else {
        const seen = this.undocumented.get(op.id) ?? new Set<number>();
        seen.add(status);
        this.undocumented.set(op.id, seen);
      }
      return problems;
    }
    const content = documented.content;
    if (content === undefined || Object.keys(content).length === 0) {
      if (status === 204 && text.length > 0) problems.push('204 with a body');
      return problems;
    }
    const media = content[mediaType];
    if (media === undefined) {
      problems.push(
        `${status} as ${mediaType || '(no type)'}; documented: ${Object.keys(content).join(', ')}`,
      );
      return problems;
    }
    if (media.schema !== undefined && isJson) {
      const validate = this.validator(media.schema);
      if (!validate(body))
        problems.push(`${status} body off its schema: ${this.ajv.errorsText(validate.errors)}`);
    }
    return problems;
  }
}

/** What a failure message needs to reproduce the request by hand. */
export function describeExchange(req: FuzzRequest, reply: Reply | undefined): string {
  const body = req.body === undefined ? '(none)' : req.body.toString('utf8');
  return [
    `${req.method} ${req.path.length > 300 ? `${req.path.slice(0, 300)}…(${req.path.length})` : req.path}`,
    `auth: ${req.auth}; headers: ${JSON.stringify(req.headers)}`,
    `body (${req.body?.length ?? 0} bytes): ${body.length > 300 ? `${body.slice(0, 300)}…` : body}`,
    `kind: ${req.note}`,
    reply === undefined
      ? 'no answer'
      : `answer: ${reply.status} ${reply.contentType} ${reply.text.length > 600 ? `${reply.text.slice(0, 600)}…` : reply.text}`,
  ].join('\n');
}
