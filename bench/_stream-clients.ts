/**
 * Lean stream clients for `npm run bench -- events`: thousands of subscribers in one bench process,
 * each costing the bench as little as possible, so that the bench measures the servers rather than
 * its own saturation. Straight on `node:net`: a WebSocket client (RFC 6455: the upgrade, masked client
 * frames, unmasked server frames, ping → pong) and an SSE client (one GET, then the body scanned for
 * `\n\n`). Neither decodes a message into a string or JSON: a message is handed over as bytes, and a
 * caller reads only the fields it needs with {@link numberAfter}. The same WebSocket client is used
 * for every WebSocket server the bench compares (HotSwap's `/ws`, Socket.IO's engine.io transport).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const EVENT_END = Buffer.from('\n\n');

/** Where a chunk's messages are handed over: `arrived` is when the chunk was read (one clock read per chunk). */
export type OnMessage = (bytes: Buffer, start: number, end: number, arrived: number) => void;

/** A WebSocket message, with the socket to answer on (a message may arrive with the upgrade itself). */
export type OnWebSocketMessage = (
  bytes: Buffer,
  start: number,
  end: number,
  arrived: number,
  socket: LeanSocket,
) => void;

/**
 * The number right after `marker` in `bytes[start, end)` (NaN without one): decimal digits with an
 * optional fraction; a `"` after the marker (a quoted number, such as an event seq) is skipped.
 */
export function numberAfter(bytes: Buffer, start: number, end: number, marker: Buffer): number {
  const at = bytes.indexOf(marker, start);
  if (at < 0 || at + marker.length >= end) return NaN;
  let i = at + marker.length;
  if (bytes[i] === 0x22) i++;
  let value = 0;
  let digits = 0;
  let scale = 0;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x2e && scale === 0) {
      scale = 1;
      continue;
    }
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
    if (scale > 0) scale *= 10;
    digits++;
  }
  if (digits === 0) return NaN;
  return scale > 1 ? value / scale : value;
}

/** Whether `bytes[start, …)` begins with `prefix`. */
export function startsWith(bytes: Buffer, start: number, end: number, prefix: Buffer): boolean {
  return (
    end - start >= prefix.length &&
    bytes.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
  );
}

/** A client frame: FIN, the opcode, masked payload (clients must mask, RFC 6455 §5.3). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65_536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < n; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

function concat(pending: Buffer | undefined, chunk: Buffer): Buffer {
  return pending === undefined || pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
}

/**
 * Every client socket reads into this one buffer (`net`'s `onread`: no stream machinery, no Buffer
 * per read): each read is handled before the next one, and bytes kept for later are copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** A TCP connection to 127.0.0.1:`port` whose reads go to `onData` (a view of the shared buffer). */
function connect(port: number, onData: (chunk: Buffer) => void): net.Socket {
  return net.connect({
    host: '127.0.0.1',
    port,
    noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (bytesRead: number, buffer: Uint8Array) => {
        onData(Buffer.from(buffer.buffer, buffer.byteOffset, bytesRead));
        return true;
      },
    },
  });
}

export interface LeanSocket {
  send(text: string): void;
  close(): void;
}

/**
 * Opens a WebSocket to `path` and hands every text message to `onMessage`. Resolves once upgraded.
 */
export function openWebSocket(
  port: number,
  path: string,
  onMessage: OnWebSocketMessage,
): Promise<LeanSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, onData);
    let upgraded = false;
    let pending: Buffer | undefined;
    const lean: LeanSocket = {
      send: (text) => socket.write(clientFrame(0x1, Buffer.from(text))),
      close: () => {
        if (!socket.destroyed) socket.end(clientFrame(0x8, Buffer.alloc(0)));
        socket.destroy();
      },
    };
    socket.on('error', (error) => {
      if (!upgraded) reject(error);
    });
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    function onData(chunk: Buffer): void {
      const arrived = performance.timeOrigin + performance.now();
      const bytes = concat(pending, chunk);
      pending = undefined;
      let offset = 0;
      if (!upgraded) {
        const end = bytes.indexOf(HEADER_END);
        if (end < 0) {
          pending = Buffer.from(bytes);
          return;
        }
        const status = bytes.toString('latin1', 0, Math.min(end, 32));
        if (!/^HTTP\/1\.1 101/.test(status)) {
          socket.destroy();
          reject(new Error(`WebSocket upgrade refused: ${status.split('\r\n')[0]}`));
          return;
        }
        upgraded = true;
        resolve(lean);
        offset = end + HEADER_END.length;
      }
      // Server frames are unmasked: FIN/opcode, length (7, 16 or 64 bits), payload.
      while (bytes.length - offset >= 2) {
        const opcode = bytes[offset]! & 0x0f;
        let length = bytes[offset + 1]! & 0x7f;
        let header = 2;
        if (length === 126) {
          if (bytes.length - offset < 4) break;
          length = bytes.readUInt16BE(offset + 2);
          header = 4;
        } else if (length === 127) {
          if (bytes.length - offset < 10) break;
          length = Number(bytes.readBigUInt64BE(offset + 2));
          header = 10;
        }
        if (bytes.length - offset < header + length) break;
        const start = offset + header;
        const end = start + length;
        if (opcode === 0x1) onMessage(bytes, start, end, arrived, lean);
        else if (opcode === 0x9) socket.write(clientFrame(0xa, bytes.subarray(start, end)));
        else if (opcode === 0x8) socket.end();
        offset = end;
      }
      if (offset < bytes.length) pending = Buffer.from(bytes.subarray(offset));
    }
  });
}

/**
 * Opens an SSE stream (`GET path` with `headers`) and hands every event (the bytes between two blank
 * lines, comments included) to `onEvent`. Resolves once the 200 response's headers arrived.
 */
export function openEventStream(
  port: number,
  path: string,
  headers: Record<string, string>,
  onEvent: OnMessage,
): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, onData);
    let started = false;
    let pending: Buffer | undefined;
    socket.on('error', (error) => {
      if (!started) reject(error);
    });
    socket.on('connect', () => {
      const lines = Object.entries({ Accept: 'text/event-stream', ...headers }).map(
        ([k, v]) => `${k}: ${v}\r\n`,
      );
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${lines.join('')}\r\n`);
    });
    function onData(chunk: Buffer): void {
      const arrived = performance.timeOrigin + performance.now();
      const bytes = concat(pending, chunk);
      pending = undefined;
      let offset = 0;
      if (!started) {
        const end = bytes.indexOf(HEADER_END);
        if (end < 0) {
          pending = Buffer.from(bytes);
          return;
        }
        const head = bytes.toString('latin1', 0, end);
        if (!/^HTTP\/1\.1 200/.test(head)) {
          socket.destroy();
          reject(new Error(`SSE answered ${head.split('\r\n')[0]}`));
          return;
        }
        // The streams are close-delimited (no chunked framing), which this client relies on.
        if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
          socket.destroy();
          reject(new Error('SSE response is chunked; this client reads close-delimited streams only'));
          return;
        }
        started = true;
        resolve({ close: () => socket.destroy() });
        offset = end + HEADER_END.length;
      }
      for (;;) {
        const end = bytes.indexOf(EVENT_END, offset);
        if (end < 0) break;
        onEvent(bytes, offset, end, arrived);
        offset = end + EVENT_END.length;
      }
      if (offset < bytes.length) pending = Buffer.from(bytes.subarray(offset));
    }
  });
}
