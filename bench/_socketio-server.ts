/**
 * The baseline of `npm run bench -- events`: a bare Socket.IO 4.8 server (defaults) that, when told
 * `go <seconds> <rate>` on stdin, broadcasts an event-sized JSON message `rate` times a second to
 * every client, stamped with the absolute time it was due (a drift-free schedule; the emit time if a
 * timer fired early), and prints
 * `done <count> <lateness p50> <lateness p99>` (ms behind schedule). Prints `port <n>` once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server);
const filler = 'x'.repeat(160);

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, seconds, rate] = line.trim().split(' ');
  if (command === 'clients') {
    process.stdout.write(`clients ${io.engine.clientsCount}\n`);
    return;
  }
  if (command !== 'go') return;
  const total = Number(seconds) * Number(rate);
  const interval = 1000 / Number(rate);
  // A drift-free schedule, and each message stamped with the time it was due: a broadcast that keeps
  // the process busy past the next one's time delays that one, and the delay counts in its latency —
  // as HotSwap's events are committed on a schedule by the bench and a gateway busy with one event
  // delays the next.
  const start = performance.now();
  const late: number[] = [];
  let seq = 0;
  const tick = (): void => {
    seq++;
    const due = start + seq * interval;
    const now = performance.now();
    late.push(now - due);
    io.emit('event', {
      seq: String(seq),
      type: 'deployment.progress',
      at: new Date().toISOString(),
      // (A timer may fire up to a millisecond early: never stamp a time before the emit.)
      t: performance.timeOrigin + Math.max(due, now),
      data: { deploymentId: '7d3f1c8e-0000-4000-8000-000000000000', environment: 'Production', filler },
    });
    if (seq >= total) {
      late.sort((a, b) => a - b);
      const at = (q: number): string =>
        (late[Math.min(late.length - 1, Math.floor((q / 100) * late.length))] ?? 0).toFixed(2);
      process.stdout.write(`done ${seq} ${at(50)} ${at(99)}\n`);
      return;
    }
    setTimeout(tick, Math.max(0, start + (seq + 1) * interval - performance.now()));
  };
  setTimeout(tick, interval);
});
