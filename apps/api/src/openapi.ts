import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { DOCS_PATH } from '@hotswap/http';

export const BEARER_SCHEME = 'bearer';

function problemSchema() {
  return {
    type: 'object',
    description: 'RFC 9457 problem details.',
    required: ['type', 'title', 'status', 'detail', 'instance', 'code', 'traceId'],
    properties: {
      type: { type: 'string', example: 'urn:hotswap:problem:validation-failed' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      code: { type: 'string' },
      traceId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}

/** The OpenAPI document of the running routes. Operation ids are the handler names. */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('HotSwap API')
    .setDescription(
      'Control plane for versioned, signed, hot-swappable modules. Errors are application/problem+json (RFC 9457).',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: problemSchema() },
  };
  assertUniqueOperationIds(document);
  return document;
}

function assertUniqueOperationIds(document: OpenAPIObject): void {
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const id = (operation as { operationId?: unknown }).operationId;
      if (typeof id !== 'string') continue;
      const where = `${method.toUpperCase()} ${path}`;
      const previous = seen.get(id);
      if (previous !== undefined) throw new Error(`operationId '${id}' is used by ${previous} and ${where}`);
      seen.set(id, where);
    }
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The document as committed: keys sorted at every level, two-space indentation, final newline. */
export function renderOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

/** Swagger UI at `/docs` and the document at `/docs/openapi.json`. */
export function setupDocs(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${DOCS_PATH}/openapi.yaml`,
    customSiteTitle: 'HotSwap API',
    swaggerOptions: { persistAuthorization: true },
  });
}
