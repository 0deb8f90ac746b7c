import type { IncomingMessage } from 'node:http';
import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { AppConfig } from '@hotswap/config';
import { Database } from '@hotswap/database';
import type { WebSocket, WebSocketServer } from 'ws';
import { DesiredStateService, type ModuleReport } from '../desired-state.service';
import type { NodeEntity } from '../entities/node.entity';
import { EnrollmentService } from '../enrollment.service';
import { FleetAudit } from '../fleet-audit';
import { HeartbeatIngestor } from '../heartbeat-ingestor';
import { NodeWakeups } from '../node-wakeups';
import { NodesRepository } from '../nodes.repository';
import {
  AGENT_PATH,
  AGENT_PROTOCOL_VERSION,
  CloseCode,
  HELLO_TIMEOUT_MS,
  MAX_AGENT_MESSAGE_BYTES,
  parseAgentMessage,
  type AgentMessage,
  type ServerMessage,
} from './agent-protocol';

const AUTHENTICATED = Symbol('hotswap.agent.node');
type AuthenticatedRequest = IncomingMessage & { [AUTHENTICATED]?: NodeEntity };

interface VerifyInfo {
  readonly req: IncomingMessage;
}
type VerifyCallback = (
  ok: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/** How often connected nodes are checked for a desired state they were not sent (lost wake-ups). */
const RESYNC_INTERVAL_MS = 5_000;

class AgentSession {
  helloDone = false;
  sentGeneration = -1;
  lastModules = '';
  queue: Promise<void> = Promise.resolve();

  constructor(
    readonly node: NodeEntity,
    readonly socket: WebSocket,
    readonly origin: { ip: string | null; userAgent: string | null },
  ) {}

  send(message: ServerMessage): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * The agent protocol's server side (docs/agent-protocol.md): `/agent`, authenticated on the upgrade
 * by the node credential (401 before any WebSocket exists otherwise). Messages of one socket are
 * handled in order. A credential speaks only for its own node: a message naming another node is
 * refused, audited, and the socket closed.
 */
@WebSocketGateway({ path: AGENT_PATH, maxPayload: MAX_AGENT_MESSAGE_BYTES })
export class AgentGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown
{
  private readonly logger = new Logger('AgentGateway');
  private readonly sessions = new Map<string, AgentSession>();
  private readonly bySocket = new WeakMap<WebSocket, AgentSession>();
  private unsubscribe: (() => void) | undefined;
  private resync: NodeJS.Timeout | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Database) private readonly database: Database,
    @Inject(EnrollmentService) private readonly enrollment: EnrollmentService,
    @Inject(HeartbeatIngestor) private readonly ingestor: HeartbeatIngestor,
    @Inject(DesiredStateService) private readonly desired: DesiredStateService,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(NodeWakeups) private readonly wakeups: NodeWakeups,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
  ) {}

  /** Nodes with an open session on this replica. */
  get connectedNodeIds(): string[] {
    return [...this.sessions.keys()];
  }

  afterInit(server: WebSocketServer): void {
    // ws reads verifyClient at each upgrade: authenticate before the handshake completes.
    (server.options as { verifyClient?: unknown }).verifyClient = (
      info: VerifyInfo,
      done: VerifyCallback,
    ) => {
      void this.verify(info.req as AuthenticatedRequest).then(
        (ok) => (ok ? done(true) : done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' })),
        () => done(false, 503, 'Unavailable'),
      );
    };
    this.unsubscribe = this.wakeups.on('desired', (nodeId) => {
      const session = this.sessions.get(nodeId);
      if (session !== undefined) this.enqueue(session, () => this.pushDesired(session));
    });
    this.resync = setInterval(() => void this.resyncAll(), RESYNC_INTERVAL_MS);
    this.resync.unref();
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    clearInterval(this.resync);
    for (const session of this.sessions.values())
      session.socket.close(CloseCode.ServerShutdown, 'server shutting down');
  }

  private async verify(req: AuthenticatedRequest): Promise<boolean> {
    const credential = bearer(req);
    if (credential === undefined) return false;
    const node = await this.enrollment.authenticate(credential);
    if (node === null) return false;
    req[AUTHENTICATED] = node;
    return true;
  }

  handleConnection(socket: WebSocket, req: AuthenticatedRequest): void {
    const node = req[AUTHENTICATED];
    if (node === undefined) {
      socket.close(CloseCode.Impersonation, 'not authenticated');
      return;
    }
    const userAgent = req.headers['user-agent'];
    const session = new AgentSession(node, socket, {
      ip: req.socket.remoteAddress ?? null,
      userAgent: typeof userAgent === 'string' ? userAgent : null,
    });
    const previous = this.sessions.get(node.id);
    if (previous !== undefined) previous.socket.close(CloseCode.Replaced, 'replaced by a newer connection');
    this.sessions.set(node.id, session);
    this.bySocket.set(socket, session);
    const helloTimer = setTimeout(() => {
      if (!session.helloDone) socket.close(CloseCode.HelloTimeout, 'no hello in time');
    }, HELLO_TIMEOUT_MS);
    helloTimer.unref();
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        socket.close(CloseCode.BadMessage, 'binary messages are not part of the protocol');
        return;
      }
      const raw = data.toString('utf8');
      this.enqueue(session, () => this.handle(session, raw));
    });
  }

  handleDisconnect(socket: WebSocket): void {
    const session = this.bySocket.get(socket);
    if (session !== undefined && this.sessions.get(session.node.id) === session)
      this.sessions.delete(session.node.id);
  }

  /** Messages of one socket are handled one after the other, in arrival order. */
  private enqueue(session: AgentSession, work: () => Promise<void>): void {
    session.queue = session.queue
      .then(work)
      .catch((error: unknown) =>
        this.logger.error({ msg: 'agent message failed', nodeId: session.node.id, err: error }),
      );
  }

  private async handle(session: AgentSession, raw: string): Promise<void> {
    const parsed = parseAgentMessage(raw);
    if (!parsed.ok) {
      session.send({ type: 'error', code: 'bad_message', message: parsed.error });
      session.socket.close(CloseCode.BadMessage, parsed.error.slice(0, 120));
      return;
    }
    const message = parsed.value;
    if (message.nodeId !== session.node.id) {
      await this.refuseImpersonation(session, message);
      return;
    }
    if (!session.helloDone && message.type !== 'hello') {
      session.send({ type: 'error', code: 'hello_first', message: 'say hello first' });
      session.socket.close(CloseCode.BadMessage, 'hello first');
      return;
    }
    switch (message.type) {
      case 'hello':
        await this.hello(session, message.agentVersion, message.modules);
        return;
      case 'heartbeat':
        if (message.modules !== undefined) await this.recordModulesIfChanged(session, message.modules);
        await this.ingestor.ingest({
          nodeId: session.node.id,
          environmentId: session.node.environmentId,
          kind: 'agent',
          metrics: message.metrics,
        });
        return;
      case 'report':
        session.lastModules = JSON.stringify(message.modules);
        await this.desired.report(session.node.id, message.generation, message.modules, message.results);
        return;
    }
  }

  private async hello(session: AgentSession, agentVersion: string, modules: ModuleReport[]): Promise<void> {
    session.helloDone = true;
    await this.database.transaction(async () => {
      if (agentVersion !== session.node.agentVersion)
        await this.nodes.setAgentVersion(session.node.id, agentVersion);
      await this.desired.recordModules(session.node.id, modules);
    });
    session.lastModules = JSON.stringify(modules);
    session.send({
      type: 'welcome',
      protocol: AGENT_PROTOCOL_VERSION,
      nodeId: session.node.id,
      heartbeatIntervalMs: this.config.fleet.heartbeatIntervalMs,
      heartbeatTimeoutMs: this.config.fleet.heartbeatTimeoutMs,
    });
    // Reconnect resynchronises: the whole desired state is sent after every hello.
    session.sentGeneration = -1;
    await this.pushDesired(session);
  }

  private async recordModulesIfChanged(session: AgentSession, modules: ModuleReport[]): Promise<void> {
    const text = JSON.stringify(modules);
    if (text === session.lastModules) return;
    session.lastModules = text;
    await this.database.transaction(() => this.desired.recordModules(session.node.id, modules));
  }

  private async pushDesired(session: AgentSession): Promise<void> {
    if (!session.helloDone) return;
    const state = await this.desired.of(session.node.id);
    if (state.generation === session.sentGeneration) return;
    session.sentGeneration = state.generation;
    session.send({ type: 'desired', ...state });
  }

  private async refuseImpersonation(session: AgentSession, message: AgentMessage): Promise<void> {
    this.logger.warn({
      msg: 'node credential used for another node',
      nodeId: session.node.id,
      claimed: message.nodeId,
    });
    // Audited before the socket closes, so the record exists when the agent sees the close.
    await this.database
      .transaction(() =>
        this.audit.record({
          action: 'node.impersonation',
          result: 'failure',
          actor: { id: session.node.id, kind: 'node', username: session.node.name, roles: [] },
          origin: session.origin,
          resource: { type: 'node', id: message.nodeId.slice(0, 64) },
          details: { messageType: message.type, credentialNode: session.node.id },
        }),
      )
      .finally(() => {
        session.send({
          type: 'error',
          code: 'forbidden',
          message: 'a node credential acts only as its own node',
        });
        session.socket.close(CloseCode.Impersonation, 'a credential acts only as its own node');
      });
  }

  /** One query for every connected node: push to those whose desired generation moved unseen. */
  private async resyncAll(): Promise<void> {
    const ids = [...this.sessions.values()].filter((s) => s.helloDone).map((s) => s.node.id);
    if (ids.length === 0) return;
    try {
      const generations = await this.nodes.desiredGenerations(ids);
      for (const [nodeId, generation] of generations) {
        const session = this.sessions.get(nodeId);
        if (session !== undefined && session.sentGeneration !== generation) {
          this.enqueue(session, () => this.pushDesired(session));
        }
      }
    } catch (error) {
      this.logger.warn({ msg: 'desired-state resync failed', err: error });
    }
  }
}
