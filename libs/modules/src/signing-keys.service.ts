import { Inject, Injectable } from '@nestjs/common';
import { ModuleErrorCode, type Principal } from '@hotswap/contracts';
import { actorOf, AuditService } from '@hotswap/audit';
import { Database } from '@hotswap/database';
import type { SigningKeyEntity } from './entities/signing-key.entity';
import { ModuleError, signatureInvalid, signingKeyNotFound } from './module.errors';
import { KeyRejectedError, parsePublicKey, verifySignature, type ParsedPublicKey } from './signing';
import { SigningKeysRepository } from './signing-keys.repository';

/** Trusted public keys that module signatures are checked against. */
@Injectable()
export class SigningKeysService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(SigningKeysRepository) private readonly keys: SigningKeysRepository,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async register(name: string, publicKeyPem: string, principal: Principal): Promise<SigningKeyEntity> {
    let parsed: ParsedPublicKey;
    try {
      parsed = parsePublicKey(publicKeyPem);
    } catch (error) {
      if (error instanceof KeyRejectedError) {
        throw new ModuleError(ModuleErrorCode.SigningKeyRejected, `The key is refused: ${error.message}.`, [
          { field: 'publicKey', message: error.message },
        ]);
      }
      throw error;
    }
    return this.database.transaction(async () => {
      const existing = await this.keys.findByNameOrFingerprint(name, parsed.fingerprint);
      if (existing !== null) {
        const what = existing.name === name ? `name '${name}'` : `fingerprint ${parsed.fingerprint}`;
        throw new ModuleError(
          ModuleErrorCode.SigningKeyExists,
          `A signing key with the ${what} is already registered.`,
          [],
          {
            existingKeyId: existing.id,
          },
        );
      }
      const key = await this.keys.insert({
        name,
        algorithm: parsed.algorithm,
        publicKey: parsed.pem,
        fingerprint: parsed.fingerprint,
      });
      await this.audit.record({
        category: 'modules',
        action: 'signing-key.register',
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'signing-key', id: key.id },
        details: { name, algorithm: parsed.algorithm, fingerprint: parsed.fingerprint },
      });
      return key;
    });
  }

  list(): Promise<SigningKeyEntity[]> {
    return this.keys.list();
  }

  async get(id: string): Promise<SigningKeyEntity> {
    const key = await this.keys.findById(id);
    if (key === null) throw signingKeyNotFound(id);
    return key;
  }

  async revoke(id: string, principal: Principal): Promise<SigningKeyEntity> {
    return this.database.transaction(async () => {
      const key = await this.get(id);
      if (key.revokedAt !== null) {
        throw new ModuleError(
          ModuleErrorCode.SigningKeyRevoked,
          `Signing key '${key.name}' is already revoked.`,
        );
      }
      await this.keys.revoke(id, new Date());
      await this.audit.record({
        category: 'modules',
        action: 'signing-key.revoke',
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'signing-key', id },
        details: { name: key.name, fingerprint: key.fingerprint },
      });
      return this.get(id);
    });
  }

  /**
   * Checks a detached signature made by `keyId` over `payload`; any failure is a 422 naming why.
   * A revoked or unknown key never verifies.
   */
  async verify(keyId: string, payload: Buffer, signature: Buffer): Promise<SigningKeyEntity> {
    const key = await this.keys.findById(keyId);
    if (key === null) throw signatureInvalid(`signing key '${keyId}' is not registered`);
    if (key.revokedAt !== null) {
      throw signatureInvalid(`signing key '${key.name}' was revoked at ${key.revokedAt.toISOString()}`);
    }
    if (!verifySignature(parsePublicKey(key.publicKey), payload, signature)) {
      throw signatureInvalid(
        `it does not match the artifact digest and manifest under key '${key.name}' (${key.algorithm})`,
      );
    }
    return key;
  }
}
