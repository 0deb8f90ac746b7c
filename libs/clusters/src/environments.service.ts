import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  CANARY_THRESHOLD_LIMITS,
  ClusterErrorCode,
  type CanaryThresholds,
  type Principal,
} from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { RequestValidationError } from '@hotswap/http';
import { ClusterError, environmentNotFound } from './clusters.errors';
import type { UpdateEnvironmentDto } from './dto/environment.dto';
import type { EnvironmentEntity } from './entities/environment.entity';
import {
  DEFAULT_MAX_CONCURRENT_DEPLOYMENTS,
  ENVIRONMENT_NAME_PATTERN,
  environmentKey,
  SEEDED_ENVIRONMENTS,
  type ApprovalPolicy,
  type StrategyDefaults,
} from './environment-policy';
import { EnvironmentsRepository } from './environments.repository';
import { FleetAudit } from './fleet-audit';

export interface CreateEnvironmentInput extends UpdateEnvironmentDto {
  readonly name: string;
  readonly rank: number;
}

/** A DTO's set members only (class-transformer leaves unset ones as `undefined`, which would erase defaults). */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mergeStrategyDefaults(
  current: StrategyDefaults,
  patch: StrategyDefaults | undefined,
): StrategyDefaults {
  if (patch === undefined) return current;
  return {
    ...current,
    ...(patch.Direct === undefined ? {} : { Direct: { ...current.Direct, ...defined(patch.Direct) } }),
    ...(patch.Rolling === undefined ? {} : { Rolling: { ...current.Rolling, ...defined(patch.Rolling) } }),
    ...(patch.BlueGreen === undefined
      ? {}
      : { BlueGreen: { ...current.BlueGreen, ...defined(patch.BlueGreen) } }),
    ...(patch.Canary === undefined ? {} : { Canary: { ...current.Canary, ...defined(patch.Canary) } }),
  };
}

/**
 * The environment's canary thresholds (as they will be stored) within its bounds, or a 400 naming each
 * one that is not: otherwise every canary deployment there would be refused for a value it never sent.
 */
function assertThresholdsWithinBounds(defaults: StrategyDefaults): void {
  const thresholds = defaults.Canary?.thresholds ?? {};
  const bounds = { ...CANARY_THRESHOLD_LIMITS, ...defaults.Canary?.thresholdBounds };
  const errors = (Object.keys(CANARY_THRESHOLD_LIMITS) as (keyof CanaryThresholds)[])
    .filter((key) => (thresholds[key] ?? 0) > bounds[key])
    .map((key) => ({
      field: `strategyDefaults.Canary.thresholds.${key}`,
      message: `${key} must be at most the environment's bound of ${bounds[key]}`,
    }));
  if (errors.length > 0) throw new RequestValidationError(errors);
}

function checkedStrategyDefaults(defaults: StrategyDefaults): StrategyDefaults {
  assertThresholdsWithinBounds(defaults);
  return defaults;
}

/** Environments: seeded at start-up, read by everyone, changed by admins (audited). */
@Injectable()
export class EnvironmentsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Environments');
  private readonly names = new Map<string, string>();

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(EnvironmentsRepository) private readonly environments: EnvironmentsRepository,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const created = await this.seed();
    if (created.length > 0) this.logger.log({ msg: 'environments seeded', created });
  }

  /** Creates the four standard environments that do not exist yet (idempotent, replica-safe). */
  async seed(): Promise<string[]> {
    const created: string[] = [];
    for (const env of SEEDED_ENVIRONMENTS) {
      const inserted = await this.environments.insertIfAbsent({
        id: randomUUID(),
        name: env.name,
        nameKey: environmentKey(env.name),
        rank: env.rank,
        defaultStrategy: env.defaultStrategy,
        strategyDefaults: env.strategyDefaults,
        approvalPolicy: env.approvalPolicy,
        requireSignedModules: env.requireSignedModules,
        maxConcurrentDeployments: env.maxConcurrentDeployments,
        frozen: false,
        frozenReason: null,
        frozenBy: null,
        frozenAt: null,
      });
      if (inserted) created.push(env.name);
    }
    return created;
  }

  list(): Promise<EnvironmentEntity[]> {
    return this.environments.list();
  }

  /** The environment of that name (any letter case). Numbers are never names: they are not found. */
  async get(name: string): Promise<EnvironmentEntity> {
    const env = ENVIRONMENT_NAME_PATTERN.test(name)
      ? await this.environments.findByKey(environmentKey(name))
      : null;
    if (env === null) throw environmentNotFound(name);
    return env;
  }

  /** The name of an environment id (cached: names never change). */
  async nameOf(id: string): Promise<string> {
    const cached = this.names.get(id);
    if (cached !== undefined) return cached;
    const env = await this.environments.findById(id);
    const name = env?.name ?? id;
    if (env !== null) this.names.set(id, name);
    return name;
  }

  async create(input: CreateEnvironmentInput, principal: Principal): Promise<EnvironmentEntity> {
    return this.database.transaction(async () => {
      if ((await this.environments.findByKey(environmentKey(input.name))) !== null) {
        throw new ClusterError(
          ClusterErrorCode.EnvironmentExists,
          `Environment '${input.name}' already exists.`,
        );
      }
      const rankHolder = await this.environments.findByRank(input.rank);
      if (rankHolder !== null) {
        throw new ClusterError(
          ClusterErrorCode.EnvironmentRankTaken,
          `Rank ${input.rank} is taken by environment '${rankHolder.name}'.`,
        );
      }
      const approvalPolicy: ApprovalPolicy = {
        required: false,
        quorum: 1,
        timeoutSeconds: 86_400,
        approverRoles: ['Admin'],
        requesterMayApprove: true,
        appliesToRollbacks: false,
        ...defined(input.approvalPolicy),
      };
      const id = randomUUID();
      const inserted = await this.environments.insertIfAbsent({
        id,
        name: input.name,
        nameKey: environmentKey(input.name),
        rank: input.rank,
        defaultStrategy: input.defaultStrategy ?? 'Direct',
        strategyDefaults: checkedStrategyDefaults(mergeStrategyDefaults({}, input.strategyDefaults)),
        approvalPolicy,
        requireSignedModules: input.requireSignedModules ?? false,
        maxConcurrentDeployments: input.maxConcurrentDeployments ?? DEFAULT_MAX_CONCURRENT_DEPLOYMENTS,
        frozen: false,
        frozenReason: null,
        frozenBy: null,
        frozenAt: null,
      });
      if (!inserted) {
        throw new ClusterError(
          ClusterErrorCode.EnvironmentExists,
          `Environment '${input.name}' already exists.`,
        );
      }
      const env = await this.get(input.name);
      await this.audit.record({
        action: 'environment.create',
        result: 'success',
        actor: principal,
        resource: { type: 'environment', id: env.name },
        details: { rank: env.rank, defaultStrategy: env.defaultStrategy },
      });
      return env;
    });
  }

  async update(name: string, patch: UpdateEnvironmentDto, principal: Principal): Promise<EnvironmentEntity> {
    return this.database.transaction(async () => {
      const env = await this.get(name);
      if (patch.defaultStrategy !== undefined) env.defaultStrategy = patch.defaultStrategy;
      env.strategyDefaults = checkedStrategyDefaults(
        mergeStrategyDefaults(env.strategyDefaults, patch.strategyDefaults),
      );
      if (patch.approvalPolicy !== undefined)
        env.approvalPolicy = { ...env.approvalPolicy, ...defined(patch.approvalPolicy) };
      if (patch.requireSignedModules !== undefined) env.requireSignedModules = patch.requireSignedModules;
      if (patch.maxConcurrentDeployments !== undefined)
        env.maxConcurrentDeployments = patch.maxConcurrentDeployments;
      const saved = await this.environments.save(env);
      await this.audit.record({
        action: 'environment.update',
        result: 'success',
        actor: principal,
        resource: { type: 'environment', id: env.name },
        details: { changes: patch },
      });
      return saved;
    });
  }

  async setFrozen(
    name: string,
    frozen: boolean,
    reason: string,
    principal: Principal,
  ): Promise<EnvironmentEntity> {
    return this.database.transaction(async () => {
      const env = await this.get(name);
      if (env.frozen === frozen) {
        throw new ClusterError(
          ClusterErrorCode.FreezeStateConflict,
          `Environment '${env.name}' is already ${frozen ? 'frozen' : 'unfrozen'}.`,
        );
      }
      env.frozen = frozen;
      env.frozenReason = frozen ? reason : null;
      env.frozenBy = frozen ? (principal.username ?? principal.id) : null;
      env.frozenAt = frozen ? new Date() : null;
      const saved = await this.environments.save(env);
      await this.audit.record({
        action: frozen ? 'environment.freeze' : 'environment.unfreeze',
        result: 'success',
        actor: principal,
        resource: { type: 'environment', id: env.name },
        details: { reason },
      });
      return saved;
    });
  }
}
