import { ModuleErrorCode } from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';

export class ModuleError extends DomainError {}

export const moduleNotFound = (name: string) =>
  new ModuleError(ModuleErrorCode.ModuleNotFound, `Module '${name}' was not found.`);

export const versionNotFound = (name: string, version: string) =>
  new ModuleError(ModuleErrorCode.VersionNotFound, `Module version '${name}@${version}' was not found.`);

export const signingKeyNotFound = (id: string) =>
  new ModuleError(ModuleErrorCode.SigningKeyNotFound, `Signing key '${id}' was not found.`);

export const signatureInvalid = (reason: string) =>
  new ModuleError(ModuleErrorCode.SignatureInvalid, `The signature is not valid: ${reason}.`);
