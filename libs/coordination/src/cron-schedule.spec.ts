import fc from 'fast-check';
import { nextOccurrence, occurrenceId } from './cron-schedule';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const date = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});

describe('occurrenceId', () => {
  it('is a UUID, the same for the same occurrence on every replica', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), date, (queue, key, at) => {
        const id = occurrenceId(queue, key, at);
        expect(id).toMatch(UUID);
        expect(occurrenceId(queue, key, new Date(at.getTime()))).toBe(id);
      }),
    );
  });

  it('differs between occurrences, schedule keys and queues', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        date,
        fc.integer({ min: 1, max: 10_000_000 }),
        (queue, key, at, ms) => {
          const id = occurrenceId(queue, key, at);
          expect(occurrenceId(queue, key, new Date(at.getTime() + ms))).not.toBe(id);
          expect(occurrenceId(queue, `${key}x`, at)).not.toBe(id);
          expect(occurrenceId(`${queue}x`, key, at)).not.toBe(id);
        },
      ),
    );
  });
});

describe('nextOccurrence', () => {
  it('is the next boundary strictly after the given time', () => {
    expect(nextOccurrence('0 * * * *', new Date('2026-01-01T10:15:00Z'))).toEqual(
      new Date('2026-01-01T11:00:00Z'),
    );
    expect(nextOccurrence('0 * * * *', new Date('2026-01-01T11:00:00Z'))).toEqual(
      new Date('2026-01-01T12:00:00Z'),
    );
    expect(nextOccurrence('*/5 * * * * *', new Date('2026-01-01T10:00:01.500Z'))).toEqual(
      new Date('2026-01-01T10:00:05Z'),
    );
  });

  it('refuses an invalid expression', () => {
    expect(() => nextOccurrence('not a cron', new Date())).toThrow();
  });
});
