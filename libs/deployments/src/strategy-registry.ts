import { Inject, Injectable } from '@nestjs/common';
import { STRATEGY_NAMES, type StrategyName } from './ports';
import { DEPLOYMENT_STRATEGIES, type DeploymentStrategy } from './strategies/strategy';

/** Looks strategies up by name; every name must have exactly one provider. */
@Injectable()
export class StrategyRegistry {
  private readonly byName = new Map<StrategyName, DeploymentStrategy>();

  constructor(@Inject(DEPLOYMENT_STRATEGIES) strategies: DeploymentStrategy[]) {
    for (const strategy of strategies) {
      if (this.byName.has(strategy.name)) throw new Error(`two providers for strategy ${strategy.name}`);
      this.byName.set(strategy.name, strategy);
    }
    const missing = STRATEGY_NAMES.filter((name) => !this.byName.has(name));
    if (missing.length > 0) throw new Error(`no provider for strategy ${missing.join(', ')}`);
  }

  get(name: StrategyName): DeploymentStrategy {
    const strategy = this.byName.get(name);
    if (strategy === undefined) throw new Error(`no provider for strategy ${name}`);
    return strategy;
  }

  names(): StrategyName[] {
    return [...this.byName.keys()];
  }
}
