/** What a node's module slots are doing. */
export const MODULE_SLOT_STATES = ['Active', 'Staged', 'Removed', 'Failed'] as const;
export type ModuleSlotState = (typeof MODULE_SLOT_STATES)[number];

/**
 * How long the version leaving `active` stays loaded as `previous` when an operation says nothing
 * (deployments spec §3 `retainPreviousSeconds`; the engine always says).
 */
export const DEFAULT_RETAIN_PREVIOUS_SECONDS = 300;

/** One node's slots for one module (deployments spec §3). */
export interface ModuleSlots {
  readonly activeVersion: string | null;
  readonly standbyVersion: string | null;
  /** Remembered after it is unloaded too: a rollback to it then loads it again. */
  readonly previousVersion: string | null;
  readonly state: ModuleSlotState;
  /** The previous version is still loaded: a rollback to it is an instant switch. */
  readonly previousLoaded: boolean;
  /**
   * Until when the loaded previous version is kept; the fleet unloads it after that. Null when no
   * previous version is loaded (none, unloaded, or retained for 0 s).
   */
  readonly previousRetainedUntil: Date | null;
}

export const EMPTY_SLOTS: ModuleSlots = {
  activeVersion: null,
  standbyVersion: null,
  previousVersion: null,
  state: 'Removed',
  previousLoaded: false,
  previousRetainedUntil: null,
};

/** `retainPreviousSeconds`: how long the version leaving `active` stays loaded as `previous`. */
export type SlotOperation =
  | { readonly op: 'install'; readonly version: string; readonly retainPreviousSeconds?: number }
  | { readonly op: 'stage'; readonly version: string }
  | { readonly op: 'activate'; readonly retainPreviousSeconds?: number }
  | { readonly op: 'unstage' }
  /** `fromVersion`: roll back only if that version is still active (so a resumed rollback is a no-op). */
  | { readonly op: 'rollback'; readonly fromVersion?: string };

export type SlotOutcome =
  { readonly ok: true; readonly slots: ModuleSlots } | { readonly ok: false; readonly error: string };

type Retention = Pick<ModuleSlots, 'previousLoaded' | 'previousRetainedUntil'>;

const NOT_RETAINED: Retention = { previousLoaded: false, previousRetainedUntil: null };

function settled(
  active: string | null,
  standby: string | null,
  previous: string | null,
  retention: Retention,
): ModuleSlots {
  return {
    activeVersion: active,
    standbyVersion: standby,
    previousVersion: previous,
    state: standby !== null ? 'Staged' : active !== null ? 'Active' : 'Removed',
    ...(previous === null ? NOT_RETAINED : retention),
  };
}

/** The retention of a version that has just become previous. */
function retained(now: Date, seconds: number | undefined): Retention {
  const s = Math.max(0, seconds ?? DEFAULT_RETAIN_PREVIOUS_SECONDS);
  return s === 0
    ? NOT_RETAINED
    : { previousLoaded: true, previousRetainedUntil: new Date(now.getTime() + s * 1000) };
}

/**
 * The slot semantics every driver implements, as a pure function: simulated nodes apply it to their
 * persisted state, agents are expected to end in the same slots (and report them). `now` is the
 * driver's clock, from which a retention window starts.
 * - install: active ← version; the old active becomes previous, loaded for `retainPreviousSeconds`
 *   (instant rollback). Installing the version already active changes nothing (idempotent resume).
 * - stage / activate / unstage: the Blue-Green pieces; activate swaps standby in, old active → previous
 *   (loaded for `retainPreviousSeconds`: Blue-Green's `scaleDownDelaySeconds`).
 * - rollback: active ← previous (re-loaded if it was unloaded). With no previous the node had no
 *   version before: the module is removed. With `fromVersion`, a node no longer running that version
 *   is left as it is.
 */
export function applySlotOperation(current: ModuleSlots, operation: SlotOperation, now: Date): SlotOutcome {
  const { activeVersion: active, standbyVersion: standby, previousVersion: previous } = current;
  const kept: Retention = {
    previousLoaded: current.previousLoaded,
    previousRetainedUntil: current.previousRetainedUntil,
  };
  switch (operation.op) {
    case 'install':
      if (active === operation.version) return { ok: true, slots: settled(active, null, previous, kept) };
      return {
        ok: true,
        slots: settled(operation.version, null, active, retained(now, operation.retainPreviousSeconds)),
      };
    case 'stage':
      return { ok: true, slots: settled(active, operation.version, previous, kept) };
    case 'activate':
      if (standby === null) {
        return active === null
          ? { ok: false, error: 'nothing is staged to activate' }
          : { ok: true, slots: settled(active, null, previous, kept) };
      }
      if (standby === active) return { ok: true, slots: settled(active, null, previous, kept) };
      return {
        ok: true,
        slots: settled(standby, null, active, retained(now, operation.retainPreviousSeconds)),
      };
    case 'unstage':
      return { ok: true, slots: settled(active, null, previous, kept) };
    case 'rollback':
      if (operation.fromVersion !== undefined && active !== operation.fromVersion) {
        return { ok: true, slots: settled(active, null, previous, kept) };
      }
      return { ok: true, slots: settled(previous, null, null, NOT_RETAINED) };
  }
}
