import type { CatalogVerification, EnvironmentPolicy } from './ports';

/**
 * Why a version may not go into `environments` (deployments spec §2, Verify): its digest or signature
 * does not verify, or it is unsigned and one of them requires signed modules. Null when it may.
 */
export function signaturePolicyRefusal(
  moduleName: string,
  version: string,
  verification: CatalogVerification,
  environments: readonly EnvironmentPolicy[],
): string | null {
  if (!verification.ok) return verification.reason;
  const requiring = environments.filter((e) => e.requireSignedModules).map((e) => e.name);
  if (verification.signed || requiring.length === 0) return null;
  return `${moduleName}@${version} is unsigned; ${requiring.join(', ')} require${requiring.length === 1 ? 's' : ''} signed modules`;
}
