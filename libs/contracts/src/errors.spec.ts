import { CoordinationErrorCode, PlatformErrorCode, problemType } from './errors';

describe('PlatformErrorCode', () => {
  it('uses distinct snake_case codes', () => {
    const codes = [...Object.values(PlatformErrorCode), ...Object.values(CoordinationErrorCode)];
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});

describe('problemType', () => {
  it.each([
    [PlatformErrorCode.ValidationFailed, 'urn:hotswap:problem:validation-failed'],
    [PlatformErrorCode.UnsupportedMediaType, 'urn:hotswap:problem:unsupported-media-type'],
    [PlatformErrorCode.Internal, 'urn:hotswap:problem:internal'],
  ])('names %s as %s', (code, type) => {
    expect(problemType(code)).toBe(type);
  });

  it('gives every code a URN with a kebab-case name and no host', () => {
    for (const code of Object.values(PlatformErrorCode)) {
      const type = problemType(code);
      expect(type.startsWith('urn:hotswap:problem:')).toBe(true);
      expect(type.slice('urn:hotswap:problem:'.length)).toBe(code.split('_').join('-'));
      expect(type).not.toContain('_');
    }
  });
});
