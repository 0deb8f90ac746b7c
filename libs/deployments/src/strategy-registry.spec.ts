import { STRATEGY_NAMES } from './ports';
import { BlueGreenStrategy } from './strategies/blue-green.strategy';
import { CanaryStrategy } from './strategies/canary.strategy';
import { DirectStrategy } from './strategies/direct.strategy';
import { RollingStrategy } from './strategies/rolling.strategy';
import type { DeploymentStrategy } from './strategies/strategy';
import { StrategyRegistry } from './strategy-registry';

const providers = (): DeploymentStrategy[] =>
  [
    new DirectStrategy(),
    new RollingStrategy(),
    new BlueGreenStrategy(),
    new CanaryStrategy(),
  ] as DeploymentStrategy[];

describe('StrategyRegistry', () => {
  it('has a provider for every strategy name', () => {
    const registry = new StrategyRegistry(providers());
    for (const name of STRATEGY_NAMES) expect(registry.get(name).name).toBe(name);
  });

  it('refuses to start when a strategy name has no provider', () => {
    expect(() => new StrategyRegistry(providers().filter((s) => s.name !== 'Canary'))).toThrow(
      'no provider for strategy Canary',
    );
  });

  it('refuses two providers for one name', () => {
    expect(() => new StrategyRegistry([...providers(), new DirectStrategy() as DeploymentStrategy])).toThrow(
      'two providers',
    );
  });
});
