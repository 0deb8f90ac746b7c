import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { ClusterErrorCode, Clock, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { EventLog } from '@hotswap/events';
import { ClusterError, enrollmentTokenInvalid } from './clusters.errors';
import { ENROLLMENT_TOKEN_PREFIX, newSecret, NODE_CREDENTIAL_PREFIX, secretHash } from './credentials';
import type { NodeEntity } from './entities/node.entity';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository';
import { EnvironmentsService } from './environments.service';
import { FleetAudit } from './fleet-audit';
import { NodesRepository } from './nodes.repository';

export interface IssuedToken {
  readonly id: string;
  readonly token: string;
  readonly environment: string;
  readonly expiresAt: Date;
  readonly usesLeft: number;
}

export interface EnrollInput {
  readonly token: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly agentVersion: string;
}

export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** Enrollment tokens (admin-issued) and the node credentials agents get for them. */
@Injectable()
export class EnrollmentService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(EnrollmentTokensRepository) private readonly tokens: EnrollmentTokensRepository,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
  ) {}

  async issueToken(
    environment: string,
    options: { ttlSeconds?: number; uses?: number },
    principal: Principal,
  ): Promise<IssuedToken> {
    return this.database.transaction(async () => {
      const env = await this.environments.get(environment);
      const token = newSecret(ENROLLMENT_TOKEN_PREFIX);
      const ttl = options.ttlSeconds ?? this.config.fleet.enrollmentTokenTtlSeconds;
      const saved = await this.tokens.insert({
        id: randomUUID(),
        environmentId: env.id,
        tokenHash: secretHash(token),
        expiresAt: new Date(this.clock.now().getTime() + ttl * 1000),
        usesLeft: options.uses ?? 1,
        createdBy: principal.username ?? principal.id,
      });
      await this.audit.record({
        action: 'enrollment-token.issue',
        result: 'success',
        actor: principal,
        resource: { type: 'enrollment-token', id: saved.id },
        details: { environment: env.name, expiresAt: saved.expiresAt.toISOString(), uses: saved.usesLeft },
      });
      return {
        id: saved.id,
        token,
        environment: env.name,
        expiresAt: saved.expiresAt,
        usesLeft: saved.usesLeft,
      };
    });
  }

  /**
   * Exchanges a token for a node and its credential. An unknown, expired or used-up token is one and
   * the same 401 (audited as a failure); a name taken in the environment is a 409 and uses nothing.
   */
  async enroll(input: EnrollInput, origin: RequestOrigin): Promise<{ node: NodeEntity; credential: string }> {
    const now = this.clock.now();
    try {
      return await this.database.transaction(async () => {
        const consumed = await this.tokens.consume(secretHash(input.token), now);
        if (consumed === null) throw enrollmentTokenInvalid();
        if ((await this.nodes.findByName(consumed.environmentId, input.name)) !== null) {
          throw new ClusterError(
            ClusterErrorCode.NodeNameTaken,
            `A node named '${input.name}' is already enrolled in this environment; decommission it first.`,
          );
        }
        const credential = newSecret(NODE_CREDENTIAL_PREFIX);
        const id = randomUUID();
        await this.nodes.insertMany([
          {
            id,
            name: input.name,
            environmentId: consumed.environmentId,
            labels: input.labels,
            kind: 'agent',
            status: 'Initializing',
            statusReason: 'enrolled; waiting for the first heartbeat',
            statusChangedAt: now,
            lastHeartbeatAt: null,
            agentVersion: input.agentVersion,
            credentialHash: secretHash(credential),
            cpuPercent: null,
            memoryPercent: null,
            latencyP95Ms: null,
            errorRate: null,
            requestsPerSecond: null,
            desiredGeneration: 0,
            reportedGeneration: 0,
            registeredAt: now,
          },
        ]);
        const node = await this.nodes.findById(id);
        if (node === null) throw new Error('enrolled node vanished');
        const environment = await this.environments.nameOf(node.environmentId);
        await this.events.append(
          'node.registered',
          { nodeId: id, environment },
          { name: node.name, kind: 'agent', status: node.status, reason: 'enrolled' },
        );
        await this.audit.record({
          action: 'node.enroll',
          result: 'success',
          actor: { id, kind: 'node', username: node.name, roles: [] },
          origin,
          resource: { type: 'node', id },
          details: { name: node.name, environment, agentVersion: input.agentVersion, tokenId: consumed.id },
        });
        return { node, credential };
      });
    } catch (error) {
      if (error instanceof ClusterError && error.code === ClusterErrorCode.EnrollmentTokenInvalid) {
        await this.database.transaction(() =>
          this.audit.record({
            action: 'node.enroll',
            result: 'failure',
            actor: null,
            origin,
            resource: { type: 'node', id: input.name },
            details: { name: input.name, reason: 'invalid, expired or used-up enrollment token' },
          }),
        );
      }
      throw error;
    }
  }

  /** The node a credential belongs to, or null. */
  async authenticate(credential: string): Promise<NodeEntity | null> {
    if (!credential.startsWith(NODE_CREDENTIAL_PREFIX) || credential.length > 200) return null;
    return this.nodes.findByCredentialHash(secretHash(credential));
  }
}
