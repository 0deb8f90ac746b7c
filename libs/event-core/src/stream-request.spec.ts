import { Role } from '@hotswap/contracts';
import { decideStream, parseStreamRequest } from './stream-request';

describe('stream requests (the API controller and the event gateway decide alike)', () => {
  it('takes Last-Event-ID over since, splits types and keeps the first of repeated parameters', () => {
    const parsed = parseStreamRequest(
      {
        types: ['deployment.*, approval.requested', 'node.*'],
        since: '5',
        environment: 'QA',
        ticket: 'hst_x',
      },
      '42',
    );
    expect(parsed).toEqual({
      since: '42',
      filter: { types: ['deployment.*', 'approval.requested'], deploymentId: undefined, environment: 'QA' },
      ticket: 'hst_x',
      errors: [],
    });
    expect(parseStreamRequest({ since: '7' }, undefined).since).toBe('7');
    expect(parseStreamRequest({}, '').since).toBeUndefined();
  });

  it('reports every invalid parameter at once (400), before looking at the roles', () => {
    const parsed = parseStreamRequest(
      { types: 'audit.*,deployment.nope', deploymentId: 'x', since: '-1' },
      '99999999999999999999',
    );
    const decision = decideStream(parsed, []);
    expect(decision.ok).toBe(false);
    if (decision.ok || decision.status !== 400) throw new Error('expected a 400');
    expect(decision.errors.map((e) => e.field).sort()).toEqual(
      ['Last-Event-ID', 'deploymentId', 'since', 'types', 'types'].sort(),
    );
  });

  it('refuses types the roles cannot read (403) and otherwise resolves the filter', () => {
    const none = decideStream(parseStreamRequest({}, undefined), []);
    expect(none).toEqual({ ok: false, status: 403, message: 'Your roles do not allow reading any events.' });
    const viewer = decideStream(parseStreamRequest({ types: 'node.*', environment: 'QA' }, undefined), [
      Role.Viewer,
    ]);
    if (!viewer.ok) throw new Error('expected a filter');
    expect([...viewer.filter.types].sort()).toEqual([
      'node.heartbeat_lost',
      'node.registered',
      'node.status_changed',
    ]);
    expect(viewer.filter.environment).toBe('QA');
  });
});
