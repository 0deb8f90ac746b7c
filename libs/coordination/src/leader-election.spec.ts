import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CoordinationMetrics } from './coordination.metrics';
import { LeaderElection, leaseValidUntil, NotLeaderError, type LeadershipChange } from './leader-election';
import type { LeaderLeaseRepository, LeaseAttempt } from './leader-lease.repository';

/** A lease table stand-in whose answers the test scripts; `pending` holds an unanswered attempt. */
class FakeLeases {
  answers: (LeaseAttempt | Error | 'hang')[] = [];
  resigned: number[] = [];
  calls = 0;
  pending: ((value: LeaseAttempt) => void) | undefined;

  attempt(): Promise<LeaseAttempt> {
    this.calls++;
    const answer = this.answers.shift() ?? { acquired: true, epoch: 1 };
    if (answer === 'hang') return new Promise((resolve) => (this.pending = resolve));
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  resign(_name: string, _holder: string, epoch: number): Promise<void> {
    this.resigned.push(epoch);
    return Promise.resolve();
  }
}

function setup() {
  let now = 1_000;
  const leases = new FakeLeases();
  const metrics = CoordinationMetrics.standalone(new Registry());
  const election = new LeaderElection(
    leases as unknown as LeaderLeaseRepository,
    { name: 'test', renewIntervalMs: 5_000, leaseTtlMs: 15_000, holderId: 'me', now: () => now },
    metrics,
  );
  const changes: LeadershipChange[] = [];
  election.onChange((c) => changes.push(c));
  return {
    leases,
    election,
    changes,
    metrics,
    advance: (ms: number) => {
      now += ms;
      jest.advanceTimersByTime(ms);
    },
  };
}

describe('LeaderElection', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn']);
  });
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('leads after a granted attempt and hands out the term’s fence', async () => {
    const { election, leases, changes } = setup();
    leases.answers = [{ acquired: true, epoch: 3 }];
    expect(await election.step()).toBe(5_000);
    expect(election.isLeader).toBe(true);
    expect(election.fence()).toEqual(expect.objectContaining({ election: 'test', epoch: 3 }));
    expect(changes).toEqual([{ election: 'test', leader: true, epoch: 3, reason: 'elected' }]);
  });

  it('does not lead while another holds the lease, and retries when that lease runs out', async () => {
    const { election, leases } = setup();
    leases.answers = [{ acquired: false, holder: 'other', epoch: 2, remainingMs: 1_234 }];
    expect(await election.step()).toBe(1_244);
    expect(election.isLeader).toBe(false);
    expect(() => election.fence()).toThrow(NotLeaderError);
  });

  it('drops leadership at once when a renewal fails', async () => {
    const { election, leases, changes } = setup();
    leases.answers = [{ acquired: true, epoch: 1 }, new Error('connection reset')];
    await election.step();
    await election.step();
    expect(election.isLeader).toBe(false);
    expect(changes.map((c) => [c.leader, c.reason])).toEqual([
      [true, 'elected'],
      [false, 'renewal failed'],
    ]);
  });

  it('drops leadership when the renewal is refused (someone else took over)', async () => {
    const { election, leases, changes } = setup();
    leases.answers = [
      { acquired: true, epoch: 1 },
      { acquired: false, holder: 'other', epoch: 2, remainingMs: 15_000 },
    ];
    await election.step();
    await election.step();
    expect(election.isLeader).toBe(false);
    expect(changes.at(-1)?.reason).toBe('lease held by other');
  });

  it('drops leadership when no renewal confirmed the lease before it could expire elsewhere', async () => {
    const { election, leases, changes, advance } = setup();
    leases.answers = [{ acquired: true, epoch: 1 }, 'hang'];
    await election.step();
    void election.step(); // the renewal hangs
    const validFor = leaseValidUntil(0, 15_000);
    advance(validFor - 1);
    expect(election.isLeader).toBe(true);
    advance(1);
    expect(election.isLeader).toBe(false);
    expect(changes.at(-1)).toEqual(
      expect.objectContaining({ leader: false, reason: 'lease not renewed in time' }),
    );
  });

  it('does not rely on a grant confirmed after the lease could have expired', async () => {
    const { election, leases, advance } = setup();
    leases.answers = ['hang'];
    const step = election.step();
    advance(15_000);
    leases.pending?.({ acquired: true, epoch: 4 });
    expect(await step).toBe(0);
    expect(election.isLeader).toBe(false);
  });

  it('treats a new epoch on renewal as a new term', async () => {
    const { election, leases, changes } = setup();
    leases.answers = [
      { acquired: true, epoch: 1 },
      { acquired: true, epoch: 2 },
    ];
    await election.step();
    await election.step();
    expect(election.epoch).toBe(2);
    expect(changes.map((c) => [c.leader, c.epoch])).toEqual([
      [true, 1],
      [false, 1],
      [true, 2],
    ]);
  });

  it('counts leadership changes and exposes the leader gauge', async () => {
    const { election, leases, metrics } = setup();
    leases.answers = [{ acquired: true, epoch: 1 }, new Error('x')];
    await election.step();
    expect((await metrics.leader.get()).values[0]?.value).toBe(1);
    await election.step();
    expect((await metrics.leader.get()).values[0]?.value).toBe(0);
    const changes = (await metrics.leaderChanges.get()).values.map((v) => [v.labels.change, v.value]);
    expect(changes).toEqual([
      ['elected', 1],
      ['lost', 1],
    ]);
  });

  it('resigns its lease when stopped while leading', async () => {
    jest.useRealTimers();
    const { election, leases } = setup();
    leases.answers = [{ acquired: true, epoch: 9 }];
    election.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(election.isLeader).toBe(true);
    await election.stop();
    expect(election.isLeader).toBe(false);
    expect(leases.resigned).toEqual([9]);
  });

  it('refuses a lease shorter than two renewal intervals', () => {
    expect(
      () =>
        new LeaderElection({} as LeaderLeaseRepository, {
          name: 'x',
          renewIntervalMs: 5_000,
          leaseTtlMs: 9_000,
        }),
    ).toThrow('twice');
  });
});

describe('leaseValidUntil', () => {
  it('ends before the lease can have expired in the database', () => {
    for (const ttl of [300, 3_000, 15_000, 60_000]) {
      expect(leaseValidUntil(100, ttl)).toBeLessThan(100 + ttl);
      expect(leaseValidUntil(100, ttl)).toBeGreaterThan(100);
    }
  });
});
