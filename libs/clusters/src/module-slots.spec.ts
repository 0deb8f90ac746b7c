import { applySlotOperation, EMPTY_SLOTS, type ModuleSlots, type SlotOperation } from './module-slots';

const slots = (active: string | null, standby: string | null, previous: string | null): ModuleSlots => ({
  activeVersion: active,
  standbyVersion: standby,
  previousVersion: previous,
  state: standby !== null ? 'Staged' : active !== null ? 'Active' : 'Removed',
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
      'install keeps the old version as previous',
      slots('2.0.0', null, null),
      { op: 'install', version: '2.1.0' },
      slots('2.1.0', null, '2.0.0'),
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
      { op: 'install', version: '2.1.0' },
      slots('2.1.0', null, '2.0.0'),
    ],
    [
      'stage loads standby, blue keeps serving',
      slots('2.0.0', null, '1.0.0'),
      { op: 'stage', version: '2.1.0' },
      slots('2.0.0', '2.1.0', '1.0.0'),
    ],
    [
      'activate swaps green in, blue becomes previous',
      slots('2.0.0', '2.1.0', '1.0.0'),
      { op: 'activate' },
      slots('2.1.0', null, '2.0.0'),
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
  ])('%s', (_name, before, operation, after) => {
    expect(applySlotOperation(before, operation)).toEqual({ ok: true, slots: after });
  });

  it('refuses to activate when nothing is staged or active', () => {
    expect(applySlotOperation(EMPTY_SLOTS, { op: 'activate' })).toEqual({
      ok: false,
      error: 'nothing is staged to activate',
    });
  });

  it('install then rollback restores exactly the slots before (for any start)', () => {
    for (const before of [EMPTY_SLOTS, slots('1.0.0', null, null), slots('1.0.0', null, '0.9.0')]) {
      const installed = applySlotOperation(before, { op: 'install', version: '9.9.9' });
      if (!installed.ok) throw new Error('install failed');
      const back = applySlotOperation(installed.slots, { op: 'rollback', fromVersion: '9.9.9' });
      expect(back.ok && back.slots.activeVersion).toBe(before.activeVersion);
    }
  });
});
