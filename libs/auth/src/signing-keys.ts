import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SigningKeys } from '@hotswap/auth-core';
import { MEMORY_DATA_DIR, type AppConfig } from '@hotswap/config';

export { ACCESS_TOKEN_TYPE, SigningKeys } from '@hotswap/auth-core';

export const GENERATED_SECRET_FILE = 'jwt-secret';

export interface ResolvedSecret {
  readonly secret: string;
  /** Where it came from, for the start-up log. */
  readonly source: 'config' | 'generated-file' | 'existing-file' | 'memory';
}

/**
 * The HS256 secret: JWT_SECRET, or outside production a generated one kept under DATA_DIR (so
 * restarts keep sessions) or in memory for DATA_DIR=:memory:. Production never gets here without
 * JWT_SECRET: the configuration refuses to load.
 */
export function resolveJwtSecret(config: AppConfig): ResolvedSecret {
  if (config.auth.jwtSecret !== undefined) return { secret: config.auth.jwtSecret, source: 'config' };
  if (config.isProduction) throw new Error('JWT_SECRET is required in production');
  const generated = randomBytes(48).toString('base64url');
  if (config.dataDir === MEMORY_DATA_DIR) return { secret: generated, source: 'memory' };
  const file = path.join(config.dataDir, GENERATED_SECRET_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  try {
    writeFileSync(file, generated, { mode: 0o600, flag: 'wx' });
    return { secret: generated, source: 'generated-file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: readFileSync(file, 'utf8').trim(), source: 'existing-file' };
  }
}

/** The keys the configuration names (the previous ones still verify until the next rotation). */
export function signingKeysFromConfig(config: AppConfig, secret: string): SigningKeys {
  return new SigningKeys({
    secret,
    previousSecret: config.auth.jwtPreviousSecret,
    privateKeyPem: config.auth.jwtPrivateKey,
    previousPublicKeyPem: config.auth.jwtPreviousPublicKey,
  });
}
