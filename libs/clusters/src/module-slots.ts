/** What a node's module slots are doing. */
export const MODULE_SLOT_STATES = ['Active', 'Staged', 'Removed', 'Failed'] as const;
export type ModuleSlotState = (typeof MODULE_SLOT_STATES)[number];

/** One node's slots for one module (deployments spec §3). */
export interface ModuleSlots {
  readonly activeVersion: string | null;
  readonly standbyVersion: string | null;
  readonly previousVersion: string | null;
  readonly state: ModuleSlotState;
}

export const EMPTY_SLOTS: ModuleSlots = {
  activeVersion: null,
  standbyVersion: null,
  previousVersion: null,
  state: 'Removed',
};

export type SlotOperation =
  | { readonly op: 'install'; readonly version: string }
  | { readonly op: 'stage'; readonly version: string }
  | { readonly op: 'activate' }
  | { readonly op: 'unstage' }
  /** `fromVersion`: roll back only if that version is still active (so a resumed rollback is a no-op). */
  | { readonly op: 'rollback'; readonly fromVersion?: string };

export type SlotOutcome =
  { readonly ok: true; readonly slots: ModuleSlots } | { readonly ok: false; readonly error: string };

function settled(active: string | null, standby: string | null, previous: string | null): ModuleSlots {
  return {
    activeVersion: active,
    standbyVersion: standby,
    previousVersion: previous,
    state: standby !== null ? 'Staged' : active !== null ? 'Active' : 'Removed',
  };
}

/**
 * The slot semantics every driver implements, as a pure function: simulated nodes apply it to their
 * persisted state, agents are expected to end in the same slots (and report them).
 * - install: active ← version; the old active becomes previous (kept for instant rollback).
 *   Installing the version already active changes nothing (idempotent resume).
 * - stage / activate / unstage: the Blue-Green pieces; activate swaps standby in, old active → previous.
 * - rollback: active ← previous. With no previous the node had no version before: the module is removed.
 *   With `fromVersion`, a node no longer running that version is left as it is.
 */
export function applySlotOperation(current: ModuleSlots, operation: SlotOperation): SlotOutcome {
  const { activeVersion: active, standbyVersion: standby, previousVersion: previous } = current;
  switch (operation.op) {
    case 'install':
      if (active === operation.version) return { ok: true, slots: settled(active, null, previous) };
      return { ok: true, slots: settled(operation.version, null, active) };
    case 'stage':
      return { ok: true, slots: settled(active, operation.version, previous) };
    case 'activate':
      if (standby === null) {
        return active === null
          ? { ok: false, error: 'nothing is staged to activate' }
          : { ok: true, slots: settled(active, null, previous) };
      }
      if (standby === active) return { ok: true, slots: settled(active, null, previous) };
      return { ok: true, slots: settled(standby, null, active) };
    case 'unstage':
      return { ok: true, slots: settled(active, null, previous) };
    case 'rollback':
      if (operation.fromVersion !== undefined && active !== operation.fromVersion) {
        return { ok: true, slots: settled(active, null, previous) };
      }
      return { ok: true, slots: settled(previous, null, null) };
  }
}
