import { parseAgentMessage } from './agent-protocol';

const NODE = '7d7c3c7e-6a38-4f1f-9a53-2f8c0c1e2b11';
const metrics = {
  cpuPercent: 10,
  memoryPercent: 20,
  latencyP95Ms: 30,
  errorRate: 0.5,
  requestsPerSecond: 100,
};
const slot = {
  moduleName: 'payment-processor',
  activeVersion: '2.0.0',
  standbyVersion: null,
  previousVersion: null,
  state: 'Active',
};

describe('parseAgentMessage', () => {
  it.each([
    ['hello', { type: 'hello', nodeId: NODE, agentVersion: '0.1.0', modules: [slot] }],
    ['heartbeat', { type: 'heartbeat', nodeId: NODE, metrics }],
    ['heartbeat with modules', { type: 'heartbeat', nodeId: NODE, metrics, modules: [slot] }],
    [
      'report',
      {
        type: 'report',
        nodeId: NODE,
        generation: 3,
        results: [{ moduleName: 'payment-processor', ok: true }],
        modules: [slot],
      },
    ],
  ])('accepts a %s', (_name, message) => {
    const parsed = parseAgentMessage(JSON.stringify(message));
    expect(parsed).toEqual({
      ok: true,
      value: expect.objectContaining({ type: message.type, nodeId: NODE }),
    });
  });

  it.each([
    ['says nothing (it keeps its previous version loaded)', {}, '1.0.0', true],
    ['says it unloaded it', { previousLoaded: false }, '1.0.0', false],
    ['says it is loaded', { previousLoaded: true }, '1.0.0', true],
    ['has no previous version', { previousLoaded: true }, null, false],
  ])('reads whether the previous version is loaded when the agent %s', (_name, extra, previous, loaded) => {
    const parsed = parseAgentMessage(
      JSON.stringify({
        type: 'hello',
        nodeId: NODE,
        agentVersion: '0.1.0',
        modules: [{ ...slot, previousVersion: previous, ...extra }],
      }),
    );
    expect(parsed.ok && parsed.value.type === 'hello' && parsed.value.modules[0]).toMatchObject({
      previousVersion: previous,
      previousLoaded: loaded,
    });
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['no type', JSON.stringify({ nodeId: NODE }), 'type'],
    ['no nodeId', JSON.stringify({ type: 'heartbeat', metrics }), 'nodeId'],
    ['unknown type', JSON.stringify({ type: 'shell', nodeId: NODE }), 'unknown message type'],
    [
      'cpu over 100',
      JSON.stringify({ type: 'heartbeat', nodeId: NODE, metrics: { ...metrics, cpuPercent: 101 } }),
      'cpuPercent',
    ],
    [
      'metric missing',
      JSON.stringify({ type: 'heartbeat', nodeId: NODE, metrics: { cpuPercent: 1 } }),
      'memoryPercent',
    ],
    [
      'bad module state',
      JSON.stringify({
        type: 'hello',
        nodeId: NODE,
        agentVersion: '1',
        modules: [{ ...slot, state: 'Weird' }],
      }),
      'state',
    ],
    [
      'previousLoaded not a boolean',
      JSON.stringify({
        type: 'heartbeat',
        nodeId: NODE,
        metrics,
        modules: [{ ...slot, previousVersion: '1.0.0', previousLoaded: 'yes' }],
      }),
      'previousLoaded',
    ],
    [
      'negative generation',
      JSON.stringify({ type: 'report', nodeId: NODE, generation: -1, results: [] }),
      'generation',
    ],
  ])('refuses %s, saying why', (_name, raw, why) => {
    const parsed = parseAgentMessage(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(why);
  });
});
