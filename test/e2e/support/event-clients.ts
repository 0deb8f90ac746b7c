import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

export interface SseMessage {
  readonly id?: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

type Server = http.Server | string;

function baseUrl(server: Server): string {
  if (typeof server === 'string') return server;
  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

async function until<T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A Server-Sent Events client on `http` (so a test can stop reading, like a stuck browser tab). */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  private buffer = '';
  private res: http.IncomingMessage | undefined;
  private readonly req: http.ClientRequest;

  private constructor(
    url: string,
    headers: Record<string, string>,
    readonly opened: Promise<number>,
  ) {
    let resolveOpened: (status: number) => void = () => undefined;
    this.opened = new Promise((r) => (resolveOpened = r));
    this.req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      this.res = res;
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (this.status !== 200) {
          this.body += chunk;
          return;
        }
        this.buffer += chunk;
        this.parse();
      });
      res.on('end', () => (this.ended = true));
      res.on('close', () => (this.ended = true));
      resolveOpened(this.status);
    });
    this.req.on('error', () => {
      this.ended = true;
      resolveOpened(this.status);
    });
  }

  static open(server: Server, path: string, headers: Record<string, string> = {}): SseClient {
    return new SseClient(`${baseUrl(server)}${path}`, headers, Promise.resolve(0));
  }

  private parse(): void {
    let index: number;
    while ((index = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 2);
      let id: string | undefined;
      let event = 'message';
      const data: string[] = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0)
        this.messages.push({ id, event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
    }
  }

  /** Stops reading: the server's writes pile up in socket buffers, then in its own. */
  pause(): void {
    this.res?.pause();
    this.res?.socket.pause();
  }

  resume(): void {
    this.res?.socket.resume();
    this.res?.resume();
  }

  events(): SseMessage[] {
    return this.messages.filter((m) => m.id !== undefined);
  }

  async waitFor(predicate: (messages: SseMessage[]) => boolean, timeoutMs = 20_000): Promise<void> {
    await until(
      () => (predicate(this.messages) ? true : undefined),
      timeoutMs,
      () =>
        `SSE messages (have ${this.messages.length}: ${this.messages
          .slice(-3)
          .map((m) => m.event)
          .join(',')})`,
    );
  }

  async waitForEnd(timeoutMs = 20_000): Promise<void> {
    await until(
      () => (this.ended ? true : undefined),
      timeoutMs,
      () => 'the SSE stream to end',
    );
  }

  close(): void {
    this.req.destroy();
  }
}

export interface WsMessage {
  readonly op: string;
  readonly [key: string]: unknown;
}

/** A `/ws` client that records every JSON message and the close code. */
export class EventSocket {
  readonly messages: WsMessage[] = [];
  closeCode: number | undefined;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) =>
      this.messages.push(JSON.parse(data.toString('utf8')) as WsMessage),
    );
    socket.on('close', (code) => (this.closeCode = code));
  }

  static async connect(server: Server): Promise<EventSocket> {
    const socket = new WebSocket(`${baseUrl(server).replace('http', 'ws')}/ws`);
    const client = new EventSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Stops reading (ws pauses the underlying socket): the server's frames pile up in its buffers. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  events(subscription?: string): WsMessage[] {
    return this.messages.filter(
      (m) => m.op === 'event' && (subscription === undefined || m.subscription === subscription),
    );
  }

  async waitFor(predicate: (messages: WsMessage[]) => boolean, timeoutMs = 20_000): Promise<void> {
    await until(
      () => (predicate(this.messages) ? true : undefined),
      timeoutMs,
      () => `WebSocket messages (have ${this.messages.length}: ${JSON.stringify(this.messages.slice(-2))})`,
    );
  }

  async waitForClose(timeoutMs = 20_000): Promise<number> {
    return until(
      () => this.closeCode,
      timeoutMs,
      () => 'the socket to close',
    );
  }

  async authenticate(token: string): Promise<void> {
    this.send({ op: 'auth', token });
    await this.waitFor((m) => m.some((x) => x.op === 'authenticated' || x.op === 'error'));
    if (!this.messages.some((x) => x.op === 'authenticated')) throw new Error(JSON.stringify(this.messages));
  }

  close(): void {
    this.socket.close();
  }
}
