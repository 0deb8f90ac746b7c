import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { AppConfig } from '@hotswap/config';
import { EVENTS_WS_MAX_MESSAGE_BYTES, EVENTS_WS_PATH, EventSockets, EventStreams } from '@hotswap/event-core';
import type { WebSocket } from 'ws';
import { StreamAuthenticator, StreamTickets } from './stream-auth';

/**
 * `/ws` in the API process: Nest's `ws` adapter accepts the sockets, {@link EventSockets} (shared
 * with the standalone event gateway, DR-35) speaks the protocol.
 */
@WebSocketGateway({ path: EVENTS_WS_PATH, maxPayload: EVENTS_WS_MAX_MESSAGE_BYTES })
export class EventsGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown
{
  private readonly sockets: EventSockets;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    @Inject(EventStreams) streams: EventStreams,
    @Inject(StreamTickets) tickets: StreamTickets,
    @Inject(StreamAuthenticator) authenticator: StreamAuthenticator,
  ) {
    this.sockets = new EventSockets(
      streams,
      {
        redeemTicket: (ticket) => tickets.redeem(ticket),
        verifyToken: (token) => authenticator.authenticate(token),
      },
      { heartbeatMs: config.events.heartbeatMs, authTimeoutMs: config.events.wsAuthTimeoutMs },
      new Logger('EventsGateway'),
    );
  }

  afterInit(): void {
    this.sockets.start();
  }

  onApplicationShutdown(): void {
    this.sockets.stop();
  }

  handleConnection(socket: WebSocket): void {
    this.sockets.handleConnection(socket);
  }

  handleDisconnect(socket: WebSocket): void {
    this.sockets.handleDisconnect(socket);
  }
}
