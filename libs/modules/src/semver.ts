import { compare, satisfies, validRange } from 'semver';

// SemVer 2.0.0 (semver.org), strict: no `v` prefix, no leading zeros, exactly three numbers.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const SEMVER_MESSAGE = 'must be a SemVer 2.0 version such as 1.4.0 or 2.0.0-beta.2 (no "v" prefix)';

export function isSemver(value: string): boolean {
  return value.length <= 256 && SEMVER.test(value);
}

export function isSemverRange(value: string): boolean {
  return value.trim().length > 0 && value.length <= 256 && validRange(value) !== null;
}

/** SemVer precedence, newest first (build metadata ignored, as the spec says). */
export function newestFirst(a: string, b: string): number {
  return compare(b, a);
}

/** Whether `version` satisfies `range`; pre-releases only when the range names one (npm semantics). */
export function satisfiesRange(version: string, range: string): boolean {
  return satisfies(version, range);
}
