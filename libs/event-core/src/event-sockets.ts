import type { Principal } from '@hotswap/contracts';
import type { WebSocket } from 'ws';
import { resolveFilter } from './event-access';
import {
  type EventStreams,
  TooManyStreamsError,
  type StreamSink,
  type StreamSubscription,
} from './event-streams';
import { SILENT_LOGGER, type EventLogger } from './logger';
import { looksLikeTicket } from './stream-tickets';
import type { WireEvent } from './wire-event';

export const EVENTS_WS_PATH = '/ws';
/** Largest client message accepted (`maxPayload` of the WebSocket server). */
export const EVENTS_WS_MAX_MESSAGE_BYTES = 16 * 1024;
const MAX_SUBSCRIPTIONS_PER_SOCKET = 16;

/** Close codes of `/ws` (docs: README "Live events"). */
export const WsCloseCode = {
  AuthTimeout: 4401,
  AuthFailed: 4403,
  BadMessage: 4400,
  Overflow: 4408,
  ServerShutdown: 1001,
} as const;

/** The part of ws's (internal) frame sender that writes a whole, ready-made frame (ws 8). */
interface FrameSender {
  sendFrame?: (list: Buffer[]) => void;
  _queue?: unknown[];
}

class WsSubscriptionSink implements StreamSink {
  readonly transport = 'ws' as const;
  /**
   * ws's sender, when ready-made frames may be handed to it: only without extensions (no
   * compression), which are settled by the handshake, before any subscription exists.
   */
  private readonly sender: FrameSender | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly id: string,
  ) {
    const sender = (socket as unknown as { _sender?: FrameSender })._sender;
    this.sender = socket.extensions === '' && typeof sender?.sendFrame === 'function' ? sender : undefined;
  }

  send(events: readonly WireEvent[]): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const sender = this.sender;
    if (sender !== undefined && (sender._queue === undefined || sender._queue.length === 0)) {
      // The frames are built once per event for every subscriber (as Socket.IO does for a
      // broadcast): one ready-made buffer and one socket write per subscriber and batch, instead
      // of a header per message and a vectored write. Only with nothing queued in ws's sender, so
      // frames cannot overtake or split others.
      const first = events[0];
      if (first === undefined) return;
      sender.sendFrame!([
        events.length === 1 ? first.wsFrame(this.id) : Buffer.concat(events.map((e) => e.wsFrame(this.id))),
      ]);
      return;
    }
    for (const event of events) this.socket.send(event.ws(this.id), { binary: false });
  }

  buffered(): number {
    return this.socket.bufferedAmount;
  }

  resync(): void {
    this.message({
      op: 'resync',
      subscription: this.id,
      reason: 'the cursor is older than the retained events',
    });
  }

  overflow(): void {
    this.message({ op: 'overflow', subscription: this.id, reason: 'the client did not keep up' });
    this.socket.close(WsCloseCode.Overflow, 'overflow');
  }

  shutdown(): void {
    // The gateway closes the socket itself when the server stops.
  }

  private message(value: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(value));
  }
}

class Connection {
  principal: Principal | undefined;
  authenticating = false;
  readonly subscriptions = new Map<string, StreamSubscription>();
  nextId = 1;
  alive = true;
  queue: Promise<void> = Promise.resolve();

  constructor(readonly socket: WebSocket) {}

  send(value: unknown): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(value));
  }
}

type ClientMessage =
  | { op: 'auth'; token?: unknown; ticket?: unknown }
  | {
      op: 'subscribe';
      id?: unknown;
      types?: unknown;
      deploymentId?: unknown;
      environment?: unknown;
      since?: unknown;
    }
  | { op: 'unsubscribe'; id?: unknown }
  | { op: 'ping' };

/** How a socket's `auth` value becomes a principal: tickets are redeemed, tokens verified. */
export interface SocketAuthentication {
  redeemTicket(ticket: string): Promise<Principal | undefined>;
  verifyToken(token: string): Promise<Principal | undefined>;
}

export interface EventSocketsOptions {
  /** Ping interval; a socket that did not answer the previous ping is terminated. */
  readonly heartbeatMs: number;
  /** Unauthenticated sockets are closed after this. */
  readonly authTimeoutMs: number;
}

/**
 * `/ws` (events spec §3): authenticate first (`auth` with a token or ticket, within the deadline),
 * then any number of filtered subscriptions, each with the SSE stream's replay, ordering, overflow
 * and authorization rules. Messages of one socket are handled in order. Transport-neutral: the API
 * hands it the sockets of its Nest gateway, the event gateway those of its own `ws` server.
 */
export class EventSockets {
  private readonly connections = new Map<WebSocket, Connection>();
  private pinger: NodeJS.Timeout | undefined;

  constructor(
    private readonly streams: EventStreams,
    private readonly authentication: SocketAuthentication,
    private readonly options: EventSocketsOptions,
    private readonly logger: EventLogger = SILENT_LOGGER,
  ) {}

  start(): void {
    this.pinger = setInterval(() => this.pingAll(), this.options.heartbeatMs);
    this.pinger.unref();
  }

  stop(): void {
    clearInterval(this.pinger);
    for (const connection of this.connections.values())
      connection.socket.close(WsCloseCode.ServerShutdown, 'server shutting down');
  }

  get size(): number {
    return this.connections.size;
  }

  handleConnection(socket: WebSocket): void {
    const connection = new Connection(socket);
    this.connections.set(socket, connection);
    const deadline = setTimeout(() => {
      if (connection.principal === undefined) socket.close(WsCloseCode.AuthTimeout, 'authenticate first');
    }, this.options.authTimeoutMs);
    deadline.unref();
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        socket.close(WsCloseCode.BadMessage, 'binary messages are not part of the protocol');
        return;
      }
      const raw = data.toString('utf8');
      connection.queue = connection.queue
        .then(() => this.handle(connection, raw))
        .catch((error: unknown) => {
          this.logger.warn({ msg: 'event socket message failed', err: error });
          connection.send({ op: 'error', code: 'internal', message: 'the message could not be handled' });
        });
    });
  }

  handleDisconnect(socket: WebSocket): void {
    const connection = this.connections.get(socket);
    this.connections.delete(socket);
    if (connection !== undefined) for (const s of connection.subscriptions.values()) s.close();
  }

  private pingAll(): void {
    for (const connection of this.connections.values()) {
      // A closing socket (overflow) is left to ws, whose close timeout (30 s) destroys it if the
      // client never answers: terminating it here would drop the final `overflow` message queued
      // behind what a client that stopped reading has not read yet.
      if (connection.socket.readyState !== connection.socket.OPEN) continue;
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
      connection.send({ op: 'ping' });
    }
  }

  private async handle(connection: Connection, raw: string): Promise<void> {
    let message: ClientMessage;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        typeof (parsed as { op?: unknown }).op !== 'string'
      )
        throw new Error('no op');
      message = parsed as ClientMessage;
    } catch {
      connection.send({
        op: 'error',
        code: 'bad_message',
        message: 'messages are JSON objects with an "op"',
      });
      return;
    }
    if (message.op === 'auth') return this.auth(connection, message);
    if (connection.principal === undefined) {
      connection.send({ op: 'error', code: 'unauthenticated', message: 'send {"op":"auth"} first' });
      connection.socket.close(WsCloseCode.AuthFailed, 'authenticate first');
      return;
    }
    switch (message.op) {
      case 'subscribe':
        return this.subscribe(connection, connection.principal, message);
      case 'unsubscribe': {
        const id = typeof message.id === 'string' ? message.id : '';
        const subscription = connection.subscriptions.get(id);
        if (subscription === undefined) {
          connection.send({
            op: 'error',
            code: 'not_found',
            message: `no subscription '${id.slice(0, 64)}'`,
          });
          return;
        }
        subscription.close();
        connection.subscriptions.delete(id);
        connection.send({ op: 'unsubscribed', id });
        return;
      }
      case 'ping':
        connection.send({ op: 'pong' });
        return;
      default:
        connection.send({ op: 'error', code: 'bad_message', message: 'unknown op' });
    }
  }

  private async auth(connection: Connection, message: { token?: unknown; ticket?: unknown }): Promise<void> {
    if (connection.principal !== undefined) {
      connection.send({ op: 'error', code: 'bad_message', message: 'already authenticated' });
      return;
    }
    const value = typeof message.ticket === 'string' ? message.ticket : message.token;
    let principal: Principal | undefined;
    if (typeof value === 'string' && value.length <= 8 * 1024) {
      principal = looksLikeTicket(value)
        ? await this.authentication.redeemTicket(value)
        : await this.authentication.verifyToken(value);
    }
    if (principal === undefined) {
      connection.send({
        op: 'error',
        code: 'unauthenticated',
        message: 'invalid or expired token or ticket',
      });
      connection.socket.close(WsCloseCode.AuthFailed, 'authentication failed');
      return;
    }
    connection.principal = principal;
    connection.send({ op: 'authenticated', roles: principal.roles });
  }

  private async subscribe(
    connection: Connection,
    principal: Principal,
    message: Extract<ClientMessage, { op: 'subscribe' }>,
  ): Promise<void> {
    const id =
      typeof message.id === 'string' && message.id.length <= 64 ? message.id : String(connection.nextId++);
    const fail = (code: string, text: string, extra: Record<string, unknown> = {}) =>
      connection.send({ op: 'error', code, id, message: text, ...extra });
    if (connection.subscriptions.has(id)) return fail('conflict', `subscription '${id}' exists`);
    if (connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SOCKET)
      return fail('too_many_streams', `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per socket`);
    const text = (v: unknown): string =>
      typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '\u0000';
    const types =
      message.types === undefined
        ? undefined
        : Array.isArray(message.types)
          ? message.types.map(text)
          : [text(message.types)];
    const optional = (v: unknown) => (v === undefined || v === null ? undefined : text(v));
    const since = message.since === undefined || message.since === null ? undefined : text(message.since);
    if (since !== undefined && !/^\d{1,19}$/.test(since))
      return fail('validation_failed', 'since must be an event seq', {
        errors: [{ field: 'since', message: 'must be an event seq' }],
      });
    const result = resolveFilter(
      { types, deploymentId: optional(message.deploymentId), environment: optional(message.environment) },
      principal.roles,
    );
    if (!result.ok) {
      if (result.status === 'invalid')
        return fail('validation_failed', 'invalid subscription', { errors: result.errors });
      return fail('forbidden', `your roles do not allow reading ${result.types.join(', ') || 'any events'}`);
    }
    const sink = new WsSubscriptionSink(connection.socket, id);
    connection.send({ op: 'subscribed', id });
    try {
      const subscription = await this.streams.open({ principal, filter: result.filter, since, sink });
      if (!this.connections.has(connection.socket)) subscription.close();
      else connection.subscriptions.set(id, subscription);
    } catch (error) {
      if (error instanceof TooManyStreamsError) return fail('too_many_streams', error.message);
      throw error;
    }
  }
}
