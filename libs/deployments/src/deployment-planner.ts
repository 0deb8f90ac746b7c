import { Inject, Injectable } from '@nestjs/common';
import { DeploymentErrorCode, type FieldError } from '@hotswap/contracts';
import { RequestValidationError } from '@hotswap/http';
import { satisfies, valid } from 'semver';
import { DeploymentError } from './deployment.errors';
import type { CreateDeploymentDto } from './dto/create-deployment.dto';
import type { StageKind } from './entities/deployment-stage.entity';
import {
  ENVIRONMENTS,
  MODULE_CATALOG,
  NODE_FLEET,
  type CatalogVersion,
  type EnvironmentPolicy,
  type EnvironmentsPort,
  type ModuleCatalogPort,
  type NodeFleetPort,
  STRATEGY_NAMES,
  type StrategyName,
  type TargetNode,
} from './ports';
import { VERIFY_WINDOW_PARAM, withoutEngineParams } from './engine-params';
import { StrategyRegistry } from './strategy-registry';

export const MAX_METADATA_ENTRIES = 50;

// SemVer 2.0.0 without a `v` prefix (the registry applies the same rule).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export interface PlannedStage {
  readonly name: string;
  readonly kind: StageKind;
  readonly environment: string | null;
  readonly strategy: StrategyName | null;
  readonly params: Record<string, unknown>;
  readonly gate: boolean;
  readonly nodes: readonly TargetNode[];
  readonly waves: readonly (readonly string[])[];
  readonly estimatedSeconds: number;
  readonly skip: boolean;
}

export interface DeploymentPlan {
  readonly moduleName: string;
  readonly version: string;
  readonly targetEnvironment: string;
  readonly promotion: 'full' | 'target-only';
  readonly stages: readonly PlannedStage[];
  readonly catalogVersion: CatalogVersion;
  readonly environments: readonly EnvironmentPolicy[];
}

/**
 * Turns a deployment request into its plan: the promotion path, each environment's strategy and
 * parameters, waves and gates. Every field error is reported at once (400); a version that cannot be
 * deployed is 422.
 */
@Injectable()
export class DeploymentPlanner {
  constructor(
    @Inject(ENVIRONMENTS) private readonly environments: EnvironmentsPort,
    @Inject(MODULE_CATALOG) private readonly catalog: ModuleCatalogPort,
    @Inject(NODE_FLEET) private readonly fleet: NodeFleetPort,
    @Inject(StrategyRegistry) private readonly strategies: StrategyRegistry,
  ) {}

  async plan(request: CreateDeploymentDto, extraErrors: readonly FieldError[] = []): Promise<DeploymentPlan> {
    const errors: FieldError[] = [...extraErrors];
    if (typeof request.version === 'string' && !SEMVER.test(request.version)) {
      errors.push({
        field: 'version',
        message: 'version must be a SemVer 2.0 version such as 1.4.0 or 2.0.0-beta.2',
      });
    }
    const metadata =
      typeof request.metadata === 'object' && request.metadata !== null ? request.metadata : {};
    const entries = Object.entries(metadata);
    if (entries.length > MAX_METADATA_ENTRIES)
      errors.push({
        field: 'metadata',
        message: `metadata must have at most ${MAX_METADATA_ENTRIES} entries`,
      });
    for (const [key, value] of entries) {
      if (key.length < 1 || key.length > 100)
        errors.push({ field: `metadata.${key}`, message: 'metadata keys must be 1–100 characters' });
      if (typeof value !== 'string' || value.length > 500)
        errors.push({
          field: `metadata.${key}`,
          message: 'metadata values must be strings of at most 500 characters',
        });
    }
    const all = [...(await this.environments.list())].sort((a, b) => a.rank - b.rank);
    const target =
      typeof request.targetEnvironment === 'string'
        ? all.find((e) => e.name.toLowerCase() === request.targetEnvironment.toLowerCase())
        : undefined;
    if (
      target === undefined &&
      typeof request.targetEnvironment === 'string' &&
      /\D/.test(request.targetEnvironment)
    ) {
      errors.push({
        field: 'targetEnvironment',
        message: `targetEnvironment must be one of ${all.map((e) => e.name).join(', ')}`,
      });
    }
    const promotion = request.promotion ?? 'full';
    const path =
      target === undefined
        ? []
        : promotion === 'target-only'
          ? [target]
          : all.filter((e) => e.rank < target.rank).concat(target);
    const requestParams =
      typeof request.strategyParams === 'object' &&
      request.strategyParams !== null &&
      !Array.isArray(request.strategyParams)
        ? request.strategyParams
        : {};
    const requestedStrategy =
      request.strategy === undefined ? undefined : STRATEGY_NAMES.find((name) => name === request.strategy);
    const verifyWindow = requestParams[VERIFY_WINDOW_PARAM];
    if (
      verifyWindow !== undefined &&
      (typeof verifyWindow !== 'number' ||
        !Number.isInteger(verifyWindow) ||
        verifyWindow < 0 ||
        verifyWindow > 3600)
    ) {
      errors.push({
        field: `strategyParams.${VERIFY_WINDOW_PARAM}`,
        message: `${VERIFY_WINDOW_PARAM} must be an integer from 0 to 3600`,
      });
    }
    const stageSettings = path.map((environment) => {
      // An unknown requested strategy is already a field error; plan with the default meanwhile.
      const strategy: StrategyName = requestedStrategy ?? environment.defaultStrategy;
      const defaults = (environment.strategyDefaults[strategy] ?? {}) as Record<string, unknown>;
      // Request parameters are for the requested strategy (every stage), or else for the target's stage.
      const own =
        requestedStrategy !== undefined || environment.name === target?.name
          ? withoutEngineParams(requestParams)
          : {};
      const parsed = this.strategies.get(strategy).parseParams(own, withoutEngineParams(defaults));
      if (!parsed.ok) {
        for (const error of parsed.errors)
          if (!errors.some((e) => e.field === error.field)) errors.push(error);
      }
      const params: Record<string, unknown> = { ...withoutEngineParams(defaults), ...own };
      params[VERIFY_WINDOW_PARAM] = verifyWindow ?? defaults[VERIFY_WINDOW_PARAM] ?? 30;
      return { environment, strategy, params, parsed };
    });
    if (errors.length > 0 || target === undefined) throw new RequestValidationError(errors);

    const version = await this.catalog.find(request.moduleName, request.version);
    if (version === null) {
      throw new DeploymentError(
        DeploymentErrorCode.NotDeployable,
        `Module version ${request.moduleName}@${request.version} does not exist in the registry.`,
      );
    }
    if (version.yanked) {
      throw new DeploymentError(
        DeploymentErrorCode.NotDeployable,
        `${request.moduleName}@${request.version} is yanked and cannot be deployed.`,
      );
    }
    const unsatisfied = await this.unsatisfiedDependencies(version, path);
    if (unsatisfied.length > 0) {
      throw new DeploymentError(
        DeploymentErrorCode.NotDeployable,
        `Dependencies are not satisfied: ${unsatisfied.join('; ')}.`,
        [],
        { unsatisfied },
      );
    }

    const stages: PlannedStage[] = [
      {
        name: 'Validate',
        kind: 'validate',
        environment: null,
        strategy: null,
        params: {},
        gate: false,
        nodes: [],
        waves: [],
        estimatedSeconds: 0,
        skip: false,
      },
      {
        name: 'Verify',
        kind: 'verify',
        environment: null,
        strategy: null,
        params: {},
        gate: false,
        nodes: [],
        waves: [],
        estimatedSeconds: 0,
        skip: false,
      },
    ];
    for (const { environment, strategy, params, parsed } of stageSettings) {
      const nodes = await this.fleet.nodesOf(environment.name, request.moduleName);
      const preview = parsed.ok
        ? this.strategies.get(strategy).preview(nodes, parsed.params)
        : { waves: [], estimatedSeconds: 0 };
      const skip =
        nodes.length > 0 &&
        nodes.every((n) => n.reachable && n.healthy && n.activeVersion === request.version);
      stages.push({
        name: environment.name,
        kind: 'environment',
        environment: environment.name,
        strategy,
        params,
        gate: environment.approvalPolicy.required,
        nodes,
        waves: preview.waves,
        estimatedSeconds: preview.estimatedSeconds + Number(params[VERIFY_WINDOW_PARAM]),
        skip,
      });
    }
    stages.push({
      name: 'Complete',
      kind: 'complete',
      environment: null,
      strategy: null,
      params: {},
      gate: false,
      nodes: [],
      waves: [],
      estimatedSeconds: 0,
      skip: false,
    });
    return {
      moduleName: request.moduleName,
      version: request.version,
      targetEnvironment: target.name,
      promotion,
      stages,
      catalogVersion: version,
      environments: all,
    };
  }

  /** Each dependency must run, in a satisfying version, on every node of each environment reached. */
  private async unsatisfiedDependencies(
    version: CatalogVersion,
    path: readonly EnvironmentPolicy[],
  ): Promise<string[]> {
    const problems: string[] = [];
    for (const [dependency, range] of Object.entries(version.dependencies)) {
      for (const environment of path) {
        const nodes = await this.fleet.nodesOf(environment.name, dependency);
        const running = nodes
          .map((n) => n.activeVersion)
          .filter((v): v is string => v !== null && valid(v) !== null);
        if (running.length === 0)
          problems.push(`${dependency} ${range} is not running in ${environment.name}`);
        else if (running.length < nodes.length || !running.every((v) => satisfies(v, range))) {
          const found = [...new Set(running)].join(', ');
          problems.push(
            `${dependency} ${range} is not satisfied in ${environment.name} (running: ${found || 'none'} on ${running.length} of ${nodes.length} node(s))`,
          );
        }
      }
    }
    return problems;
  }
}
