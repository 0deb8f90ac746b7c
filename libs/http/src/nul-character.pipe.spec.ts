import { RequestValidationError } from './domain-error';
import { fieldsWithNul, NulCharacterPipe } from './nul-character.pipe';

describe('NulCharacterPipe', () => {
  const pipe = new NulCharacterPipe();

  it('names every field holding U+0000, nested ones by dotted path', () => {
    expect(fieldsWithNul({ name: 'a\u0000', tags: ['ok', '\u0000'], inner: { x: 'fine' } }, '')).toEqual([
      'name',
      'tags.1',
    ]);
  });

  it('refuses a route parameter holding U+0000 with a validation error naming it', () => {
    let thrown: unknown;
    try {
      pipe.transform('v\u0000', { type: 'param', data: 'version' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RequestValidationError);
    expect((thrown as RequestValidationError).fieldErrors).toEqual([
      { field: 'version', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it('passes everything else through unchanged', () => {
    const body = { name: 'payment-processor', count: 3, nested: { list: [1, 'two'] } };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
    expect(pipe.transform('\u0000', { type: 'custom' })).toBe('\u0000');
  });
});
