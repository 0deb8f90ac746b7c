import fc from 'fast-check';
import { Role } from '@hotswap/contracts';
import {
  applyDecision,
  ApprovalStatus,
  describeTimeout,
  formatTimeRemaining,
  type Decision,
  type GateState,
} from './approval-state';

const NOW = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

function gate(overrides: Partial<GateState> = {}): GateState {
  return {
    status: ApprovalStatus.Pending,
    quorum: 1,
    approverRoles: [Role.Admin],
    requesterMayApprove: false,
    requestedBy: 'dana',
    expiresAt: at(3_600),
    decisions: [],
    ...overrides,
  };
}

describe('formatTimeRemaining', () => {
  it.each([
    [2 * 86_400 + 3 * 3_600 + 59 * 60, '2d 3h'],
    [86_400, '1d 0h'],
    [5 * 3_600 + 30 * 60 + 59, '5h 30m'],
    [3_600, '1h 0m'],
    [45 * 60 + 10, '45m'],
    [60, '1m'],
    [59, '<1m'],
    [1, '<1m'],
    [0.4, '<1m'],
    [0, 'Expired'],
    [-120, 'Expired'],
  ])('%i s left → %s', (seconds, expected) => {
    expect(formatTimeRemaining(at(seconds), NOW)).toBe(expected);
  });

  it('says Expired exactly when the deadline has passed, never before', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), (ms) => {
        const text = formatTimeRemaining(new Date(NOW.getTime() + ms), NOW);
        expect(text === 'Expired').toBe(ms <= 0);
      }),
    );
  });

  it('always matches one of the documented shapes and never goes up as time passes', () => {
    const shape = /^(\d+d \d{1,2}h|\d{1,2}h \d{1,2}m|\d{1,2}m|<1m|Expired)$/;
    const rank = (s: string): number => {
      if (s === 'Expired') return 0;
      if (s === '<1m') return 1;
      const d = /(\d+)d (\d+)h/.exec(s);
      if (d) return Number(d[1]) * 86_400 + Number(d[2]) * 3_600;
      const h = /(\d+)h (\d+)m/.exec(s);
      if (h) return Number(h[1]) * 3_600 + Number(h[2]) * 60;
      return Number(/(\d+)m/.exec(s)?.[1]) * 60;
    };
    fc.assert(
      fc.property(fc.integer({ min: -1_000, max: 40 * 86_400 }), fc.nat(100_000), (left, elapsed) => {
        const before = formatTimeRemaining(at(left), NOW);
        const after = formatTimeRemaining(at(left), at(elapsed));
        expect(before).toMatch(shape);
        expect(rank(after)).toBeLessThanOrEqual(rank(before));
      }),
    );
  });
});

describe('describeTimeout', () => {
  it.each([
    [86_400, '86400 s (1d)'],
    [5_400, '5400 s (1h 30m)'],
    [90, '90 s (1m 30s)'],
    [2, '2 s'],
  ])('%i → %s', (seconds, expected) => {
    expect(describeTimeout(seconds)).toBe(expected);
  });
});

describe('applyDecision (the quorum state machine)', () => {
  const admin = (by: string, decision: Decision = 'approved') => ({
    by,
    roles: [Role.Admin],
    decision,
    now: NOW,
  });

  it.each([
    ['a closed gate', gate({ status: ApprovalStatus.Approved }), admin('alice'), 'not_pending'],
    ['an expired gate', gate({ status: ApprovalStatus.Expired }), admin('alice'), 'not_pending'],
    ['a Viewer', gate(), { ...admin('vic'), roles: [Role.Viewer] }, 'role'],
    ['a Deployer where only Admins approve', gate(), { ...admin('dan'), roles: [Role.Deployer] }, 'role'],
    ['the requester under four eyes', gate(), { ...admin('dana') }, 'requester'],
    ['past the deadline', gate({ expiresAt: NOW }), admin('alice'), 'expired'],
    [
      'a second decision by the same user',
      gate({ quorum: 2, decisions: [{ by: 'alice', decision: 'approved' }] }),
      admin('alice', 'rejected'),
      'already_decided',
    ],
  ])('refuses %s', (_name, state, input, refusal) => {
    expect(applyDecision(state, input)).toEqual({ ok: false, refusal });
  });

  it('lets the requester approve when the policy allows it, and an Admin where Deployers approve', () => {
    expect(applyDecision(gate({ requesterMayApprove: true }), admin('dana'))).toEqual({
      ok: true,
      status: ApprovalStatus.Approved,
      approvals: 1,
    });
    expect(applyDecision(gate({ approverRoles: [Role.Deployer] }), admin('alice')).ok).toBe(true);
  });

  it('quorum 2: the first approval leaves it pending, a second user opens it, a rejection closes it', () => {
    const first = applyDecision(gate({ quorum: 2 }), admin('alice'));
    expect(first).toEqual({ ok: true, status: ApprovalStatus.Pending, approvals: 1 });
    const decisions = [{ by: 'alice', decision: 'approved' as const }];
    expect(applyDecision(gate({ quorum: 2, decisions }), admin('bob'))).toEqual({
      ok: true,
      status: ApprovalStatus.Approved,
      approvals: 2,
    });
    expect(applyDecision(gate({ quorum: 2, decisions }), admin('bob', 'rejected'))).toEqual({
      ok: true,
      status: ApprovalStatus.Rejected,
      approvals: 1,
    });
  });

  it('over any sequence of decisions: opens exactly when quorum distinct users approved with no rejection, and takes nothing after it closes', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.record({
            by: fc.constantFrom(...users),
            decision: fc.constantFrom<Decision>('approved', 'rejected'),
          }),
          { maxLength: 12 },
        ),
        (quorum, attempts) => {
          let state = gate({ quorum, requesterMayApprove: true });
          for (const attempt of attempts) {
            const before = state;
            const outcome = applyDecision(state, admin(attempt.by, attempt.decision));
            if (before.status !== ApprovalStatus.Pending) {
              expect(outcome).toEqual({ ok: false, refusal: 'not_pending' });
              continue;
            }
            if (before.decisions.some((d) => d.by === attempt.by)) {
              expect(outcome).toEqual({ ok: false, refusal: 'already_decided' });
              continue;
            }
            if (!outcome.ok) throw new Error(`unexpected refusal ${outcome.refusal}`);
            const decisions = [...before.decisions, { by: attempt.by, decision: attempt.decision }];
            const approvers = new Set(decisions.filter((d) => d.decision === 'approved').map((d) => d.by));
            expect(outcome.approvals).toBe(approvers.size);
            expect(outcome.status).toBe(
              attempt.decision === 'rejected'
                ? ApprovalStatus.Rejected
                : approvers.size >= quorum
                  ? ApprovalStatus.Approved
                  : ApprovalStatus.Pending,
            );
            state = { ...before, status: outcome.status, decisions };
          }
          const approvers = new Set(
            state.decisions.filter((d) => d.decision === 'approved').map((d) => d.by),
          );
          expect(approvers.size).toBeLessThanOrEqual(quorum);
          if (state.status === ApprovalStatus.Approved) expect(approvers.size).toBe(quorum);
        },
      ),
    );
  });
});
