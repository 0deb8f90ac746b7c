/**
 * The baseline of `npm run bench -- events`: a bare Socket.IO 4.8 server (defaults) that, when told
 * `go <seconds> <rate>` on stdin, broadcasts an event-sized JSON message `rate` times a second to
 * every client, stamped with the absolute send time. Prints `port <n>` once listening.
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
  let seq = 0;
  const timer = setInterval(
    () => {
      seq++;
      io.emit('event', {
        seq: String(seq),
        type: 'deployment.progress',
        at: new Date().toISOString(),
        t: performance.timeOrigin + performance.now(),
        data: { deploymentId: '7d3f1c8e-0000-4000-8000-000000000000', environment: 'Production', filler },
      });
      if (seq >= total) {
        clearInterval(timer);
        process.stdout.write(`done ${seq}\n`);
      }
    },
    1000 / Number(rate),
  );
});
