import {
  checkSchemaDefinition,
  compareSchemaVersions,
  validateEntity,
  validateRelationship,
} from './graph-schema';

const { definition: schema } = checkSchemaDefinition({
  entityTypes: {
    Service: {
      properties: {
        name: { type: 'string', required: true, pattern: '^[a-z-]+$', min: 2, max: 20 },
        replicas: { type: 'integer', min: 1, max: 10 },
        ratio: { type: 'number', max: 1 },
        tags: { type: 'array', max: 2 },
      },
    },
  },
  relationshipTypes: { calls: { sourceTypes: ['Service'], targetTypes: ['Service', 'Queue'] } },
});

describe('graph schema', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a valid entity', { name: 'api', replicas: 2, ratio: 0.5, tags: ['a'] }, []],
    ['a missing required property', { replicas: 2 }, ['properties.name: is required by the schema']],
    [
      'a wrong type',
      { name: 'api', replicas: 'two' },
      ['properties.replicas: must be of type integer (got string)'],
    ],
    [
      'a fraction where an integer is required',
      { name: 'api', replicas: 1.5 },
      ['properties.replicas: must be of type integer (got number)'],
    ],
    ['a pattern mismatch', { name: 'API' }, ['properties.name: must match the pattern ^[a-z-]+$']],
    [
      'below min and above max',
      { name: 'a', replicas: 11, tags: [1, 2, 3] },
      [
        'properties.name: must be at least 2 in length',
        'properties.replicas: must be at most 10',
        'properties.tags: must be at most 2 in length',
      ],
    ],
    ['an integer where a number is expected', { name: 'api', ratio: 1 }, []],
  ])('%s', (_name, properties, expected) => {
    expect(validateEntity(schema, 'Service', properties).map((e) => `${e.field}: ${e.message}`)).toEqual(
      expected,
    );
  });

  it('checks relationship endpoint types and weight', () => {
    const errors = validateRelationship(schema, {
      type: 'calls',
      weight: -1,
      properties: {},
      sourceType: 'Queue',
      targetType: 'Database',
    });
    expect(errors.map((e) => e.field)).toEqual(['weight', 'sourceEntityId', 'targetEntityId']);
    expect(
      validateRelationship(schema, {
        type: 'calls',
        weight: 0,
        properties: {},
        sourceType: 'Service',
        targetType: 'Queue',
      }),
    ).toEqual([]);
  });

  it('admits undeclared types unless strict', () => {
    expect(validateEntity(schema, 'Other', {})).toEqual([]);
    expect(validateEntity({ ...schema, strict: true }, 'Other', {}).map((e) => e.field)).toEqual(['type']);
  });

  it('refuses a malformed definition, listing each problem', () => {
    const { errors } = checkSchemaDefinition({
      entityTypes: { 'bad type': { properties: { p: { type: 'date', pattern: '(a+)+' } } } },
      relationshipTypes: { r: { sourceTypes: [], targetTypes: ['x y'] } },
      extra: 1,
    });
    expect(errors.map((e) => e.field)).toEqual([
      'entityTypes.bad type',
      'entityTypes.bad type.properties.p.type',
      'relationshipTypes.r.sourceTypes',
      'relationshipTypes.r.targetTypes.0',
      'extra',
    ]);
  });

  it('orders versions numerically', () => {
    expect(compareSchemaVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareSchemaVersions('2.0.0', '2.0.0')).toBe(0);
  });
});
