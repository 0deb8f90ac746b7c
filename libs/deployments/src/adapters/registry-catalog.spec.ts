import { ModuleErrorCode } from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';
import type { ModuleRegistry, SigningKeysService } from '@hotswap/modules';
import { RegistryCatalog } from './registry-catalog';

/** A registry whose reads all fail with `error`. */
function failingRegistry(error: Error): RegistryCatalog {
  const registry = {
    getVersion: () => Promise.reject(error),
    artifact: () => Promise.reject(error),
  } as unknown as ModuleRegistry;
  return new RegistryCatalog(registry, {} as SigningKeysService);
}

describe('RegistryCatalog: a missing version versus a failed read', () => {
  const missing = new DomainError(ModuleErrorCode.VersionNotFound, "Module version 'a@1.0.0' was not found.");

  it('answers "no such version" only when the registry says so', async () => {
    const catalog = failingRegistry(missing);
    await expect(catalog.find('payment-processor', '9.9.9')).resolves.toBeNull();
    await expect(catalog.inspect('payment-processor', '9.9.9')).resolves.toEqual({
      version: null,
      verification: { ok: false, reason: 'payment-processor@9.9.9 is not in the registry' },
    });
  });

  it('lets any other failure go up instead of passing it off as a missing version', async () => {
    const catalog = failingRegistry(new Error('Connection terminated unexpectedly'));
    await expect(catalog.find('payment-processor', '1.0.0')).rejects.toThrow('Connection terminated');
    await expect(catalog.inspect('payment-processor', '1.0.0')).rejects.toThrow('Connection terminated');
  });
});
