import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { RecordedEvent } from './recorded-event';
import { WireEvent } from './wire-event';

function wire(seq: number, filler: number): WireEvent {
  const event: RecordedEvent = {
    seq: String(seq),
    type: 'deployment.progress',
    at: new Date('2026-01-02T03:04:05.000Z'),
    subject: { environment: 'qa' },
    payload: { note: 'é'.repeat(filler) } as never,
  };
  return new WireEvent(event);
}

describe('WireEvent', () => {
  it('builds WebSocket frames a real client reads, for every length encoding, one buffer per id', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    // Short (7-bit length), medium (16-bit) and long (64-bit) messages, back to back in one write.
    const events = [wire(1, 0), wire(2, 200), wire(3, 40_000)];
    server.on('connection', (socket) => {
      const raw = (socket as unknown as { _socket: { write(b: Buffer): void } })._socket;
      raw.write(Buffer.concat(events.map((e) => e.wsFrame('sub'))));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received: string[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        client.on('error', reject);
        client.on('message', (data: Buffer, isBinary: boolean) => {
          expect(isBinary).toBe(false);
          received.push(data.toString('utf8'));
          if (received.length === events.length) resolve();
        });
      });
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(received.map((m) => JSON.parse(m) as unknown)).toEqual(
      events.map((e) => ({
        op: 'event',
        subscription: 'sub',
        seq: e.event.seq,
        type: 'deployment.progress',
        at: '2026-01-02T03:04:05.000Z',
        data: e.data,
      })),
    );
    expect(received.map((m) => Buffer.from(m))).toEqual(events.map((e) => e.ws('sub')));
    expect(events[1]!.wsFrame('sub')).toBe(events[1]!.wsFrame('sub'));
  });
});
