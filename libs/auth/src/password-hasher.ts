import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';

/** argon2id with the OWASP minimum: 19 MiB, 2 iterations, 1 lane (security spec §1). */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * Hashes and verifies passwords. The native library computes on libuv's thread pool, so the ~20 ms
 * of CPU per hash never blocks the event loop serving other requests.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of a random value, verified against when the user does not exist so timing is similar. */
  private dummy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the time of a verification and fails: for unknown users. */
  async verifyNothing(password: string): Promise<false> {
    this.dummy ??= this.hash(`unknown-user-${Math.random()}`);
    await this.verify(await this.dummy, password);
    return false;
  }
}
