import { createHash } from 'node:crypto';

/** The previous hash of the very first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of a record: everything but its position and its own hashes. */
export interface ChainedContent {
  readonly occurredAt: Date;
  readonly category: string;
  readonly action: string;
  readonly result: string;
  readonly actorId: string | null;
  readonly actorKind: string | null;
  readonly actorName: string | null;
  readonly resourceType: string | null;
  readonly resourceId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly traceId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * The canonical form: JSON with keys sorted at every level and the time in ISO 8601 with
 * milliseconds, so the same record read back from jsonb/timestamptz hashes the same.
 */
export function canonicalRecord(content: ChainedContent): string {
  return JSON.stringify(
    sortKeys({
      occurredAt: content.occurredAt.toISOString(),
      category: content.category,
      action: content.action,
      result: content.result,
      actorId: content.actorId,
      actorKind: content.actorKind,
      actorName: content.actorName,
      resourceType: content.resourceType,
      resourceId: content.resourceId,
      ip: content.ip,
      userAgent: content.userAgent,
      traceId: content.traceId,
      details: content.details,
    }),
  );
}

/** `sha256(canonical record)`, hex: written with the record, before it is sealed into the chain. */
export function contentDigest(content: ChainedContent): string {
  return createHash('sha256').update(canonicalRecord(content)).digest('hex');
}

/** `sha256(previousHash || canonical record)`, hex. */
export function chainHash(previousHash: string, content: ChainedContent): string {
  return createHash('sha256').update(previousHash).update(canonicalRecord(content)).digest('hex');
}

/** Words that make a key secret-looking, wherever they stand in it (`refreshToken`, `API_TOKEN`, `passwordHash`). */
const SECRET_WORDS = new Set([
  'pass',
  'passwd',
  'password',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'hash',
  'hashes',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'signature',
  'signatures',
  'privatekey',
]);

/**
 * Whether a key names a secret: one of its words (camelCase, snake_case, kebab-case or dotted) is a
 * secret word, or it says "private key". Whole words only: `passed`, `bypass` or `hashed` are not.
 */
function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
  return words.some((word, i) => SECRET_WORDS.has(word) || (word === 'private' && words[i + 1] === 'key'));
}

/** Details with every value under a secret-looking key replaced, at any depth. */
export function redactDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? '[REDACTED]' : walk(v)]),
      );
    }
    return value;
  };
  return walk(details) as Record<string, unknown>;
}

/** A sealed record, as verification reads it (in chain-position order). */
export interface StoredLink extends ChainedContent {
  readonly seq: string;
  /** Null on records written before content hashes existed (they were chained at insert). */
  readonly contentHash: string | null;
  readonly previousHash: string;
  readonly hash: string;
}

export interface ChainCheck {
  /** The hash the next record must name as its previous hash. */
  readonly expectedPrevious: string | undefined;
  readonly brokenAt: string | undefined;
}

/**
 * Checks one record against the chain so far. The first record checked anchors the chain on its own
 * previous hash (older records may have been removed by retention).
 */
export function checkLink(state: ChainCheck, record: StoredLink): ChainCheck {
  if (state.brokenAt !== undefined) return state;
  const linked = state.expectedPrevious === undefined || record.previousHash === state.expectedPrevious;
  const intact =
    linked &&
    chainHash(record.previousHash, record) === record.hash &&
    (record.contentHash === null || contentDigest(record) === record.contentHash);
  return intact
    ? { expectedPrevious: record.hash, brokenAt: undefined }
    : { expectedPrevious: record.hash, brokenAt: record.seq };
}
