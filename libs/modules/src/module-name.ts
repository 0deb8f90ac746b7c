/** Module names: lowercase letters, digits and inner hyphens, 3–64 characters. */
export const MODULE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;
export const MODULE_NAME_MESSAGE =
  'must be 3–64 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit';

export function isModuleName(value: string): boolean {
  return MODULE_NAME_PATTERN.test(value);
}
