import {
  applySlotOperation,
  DEFAULT_RETAIN_PREVIOUS_SECONDS,
  EMPTY_SLOTS,
  type ModuleSlots,
  type SlotOperation,
} from './module-slots';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

/** Slots whose previous version (if any) is loaded until `until` (default: not loaded). */
const slots = (
  active: string | null,
  standby: string | null,
  previous: string | null,
  until: Date | null = null,
): ModuleSlots => ({
  activeVersion: active,
  standbyVersion: standby,
  previousVersion: previous,
  state: standby !== null ? 'Staged' : active !== null ? 'Active' : 'Removed',
  previousLoaded: until !== null,
  previousRetainedUntil: until,
});

describe('applySlotOperation', () => {
  it.each<[string, ModuleSlots, SlotOperation, ModuleSlots]>([
    [
      'install on an empty node',
      EMPTY_SLOTS,
      { op: 'install', version: '2.0.0' },
      slots('2.0.0', null, null),
    ],
    [
      'install keeps the old version as previous, loaded for the default retention',
      slots('2.0.0', null, null),
      { op: 'install', version: '2.1.0' },
      slots('2.1.0', null, '2.0.0', at(DEFAULT_RETAIN_PREVIOUS_SECONDS)),
    ],
    [
      'install of the active version is idempotent',
      slots('2.1.0', null, '2.0.0'),
      { op: 'install', version: '2.1.0' },
      slots('2.1.0', null, '2.0.0'),
    ],
    [
      'install drops a staged version',
      slots('2.0.0', '3.0.0', null),
      { op: 'install', version: '2.1.0', retainPreviousSeconds: 60 },
      slots('2.1.0', null, '2.0.0', at(60)),
    ],
    [
      'stage loads standby, blue keeps serving',
      slots('2.0.0', null, '1.0.0'),
      { op: 'stage', version: '2.1.0' },
      slots('2.0.0', '2.1.0', '1.0.0'),
    ],
    [
      'activate swaps green in, blue becomes previous, loaded for the retention it is given',
      slots('2.0.0', '2.1.0', '1.0.0'),
      { op: 'activate', retainPreviousSeconds: 30 },
      slots('2.1.0', null, '2.0.0', at(30)),
    ],
    [
      'activate again (resumed) changes nothing',
      slots('2.1.0', null, '2.0.0'),
      { op: 'activate' },
      slots('2.1.0', null, '2.0.0'),
    ],
    [
      'unstage drops green',
      slots('2.0.0', '2.1.0', '1.0.0'),
      { op: 'unstage' },
      slots('2.0.0', null, '1.0.0'),
    ],
    [
      'rollback returns to previous',
      slots('2.1.0', null, '2.0.0'),
      { op: 'rollback' },
      slots('2.0.0', null, null),
    ],
    [
      'rollback of a first install removes the module',
      slots('2.1.0', null, null),
      { op: 'rollback' },
      slots(null, null, null),
    ],
    [
      'rollback from a version no longer active is a no-op',
      slots('2.0.0', null, null),
      { op: 'rollback', fromVersion: '2.1.0' },
      slots('2.0.0', null, null),
    ],
    [
      'rollback from the active version rolls back',
      slots('2.1.0', null, '2.0.0'),
      { op: 'rollback', fromVersion: '2.1.0' },
      slots('2.0.0', null, null),
    ],
    [
      'install with a retention: blue is loaded until now + the retention',
      slots('2.0.0', null, '1.0.0'),
      { op: 'install', version: '2.1.0', retainPreviousSeconds: 120 },
      slots('2.1.0', null, '2.0.0', at(120)),
    ],
    [
      'install retaining 0 s: the old version is remembered, not kept loaded',
      slots('2.0.0', null, null),
      { op: 'install', version: '2.1.0', retainPreviousSeconds: 0 },
      slots('2.1.0', null, '2.0.0'),
    ],
    [
      'install of the first version: nothing to retain',
      EMPTY_SLOTS,
      { op: 'install', version: '2.0.0', retainPreviousSeconds: 120 },
      slots('2.0.0', null, null),
    ],
    [
      'a resumed install does not extend the retention',
      slots('2.1.0', null, '2.0.0', at(10)),
      { op: 'install', version: '2.1.0', retainPreviousSeconds: 120 },
      slots('2.1.0', null, '2.0.0', at(10)),
    ],
    [
      'a resumed activate does not extend the retention',
      slots('2.1.0', null, '2.0.0', at(10)),
      { op: 'activate', retainPreviousSeconds: 30 },
      slots('2.1.0', null, '2.0.0', at(10)),
    ],
    [
      'stage keeps the previous version loaded as it was',
      slots('2.0.0', null, '1.0.0', at(10)),
      { op: 'stage', version: '2.1.0' },
      slots('2.0.0', '2.1.0', '1.0.0', at(10)),
    ],
    [
      'unstage keeps the previous version loaded as it was',
      slots('2.0.0', '2.1.0', '1.0.0', at(10)),
      { op: 'unstage' },
      slots('2.0.0', null, '1.0.0', at(10)),
    ],
    [
      'rollback to a loaded previous version: nothing is left to retain',
      slots('2.1.0', null, '2.0.0', at(30)),
      { op: 'rollback' },
      slots('2.0.0', null, null),
    ],
    [
      'rollback to an unloaded previous version still restores it (it is loaded again)',
      slots('2.1.0', null, '2.0.0'),
      { op: 'rollback', fromVersion: '2.1.0' },
      slots('2.0.0', null, null),
    ],
    [
      'a rollback left as it is keeps the retention',
      slots('2.0.0', null, '1.0.0', at(10)),
      { op: 'rollback', fromVersion: '2.1.0' },
      slots('2.0.0', null, '1.0.0', at(10)),
    ],
  ])('%s', (_name, before, operation, after) => {
    expect(applySlotOperation(before, operation, NOW)).toEqual({ ok: true, slots: after });
  });

  it('refuses to activate when nothing is staged or active', () => {
    expect(applySlotOperation(EMPTY_SLOTS, { op: 'activate' }, NOW)).toEqual({
      ok: false,
      error: 'nothing is staged to activate',
    });
  });

  it('install then rollback restores exactly the slots before (for any start)', () => {
    for (const before of [EMPTY_SLOTS, slots('1.0.0', null, null), slots('1.0.0', null, '0.9.0')]) {
      const installed = applySlotOperation(before, { op: 'install', version: '9.9.9' }, NOW);
      if (!installed.ok) throw new Error('install failed');
      const back = applySlotOperation(installed.slots, { op: 'rollback', fromVersion: '9.9.9' }, NOW);
      expect(back.ok && back.slots.activeVersion).toBe(before.activeVersion);
    }
  });
});
