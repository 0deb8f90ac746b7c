import type { FieldError } from '@hotswap/contracts';

/**
 * `retainPreviousSeconds` (deployments spec §3): how long an install keeps the version it replaced
 * loaded as `previous`, so that a rollback within that window is an instant switch. Long enough to
 * cover the post-deploy verification (default 30 s) and an operator's first look; then the fleet
 * unloads it (a later rollback loads it again).
 */
export const RETAIN_PREVIOUS_PARAM = 'retainPreviousSeconds';
export const DEFAULT_RETAIN_PREVIOUS_SECONDS = 300;
export const MAX_RETAIN_PREVIOUS_SECONDS = 86_400;

/** Small typed readers for strategy parameters; every problem is collected, none thrown. */
export class ParamReader {
  readonly errors: FieldError[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly raw: Readonly<Record<string, unknown>>,
    private readonly defaults: Readonly<Record<string, unknown>>,
  ) {}

  private value(key: string): unknown {
    this.seen.add(key);
    return key in this.raw ? this.raw[key] : this.defaults[key];
  }

  number(key: string, fallback: number, min: number, max: number, integer = true): number {
    const value = this.value(key) ?? fallback;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      this.errors.push({
        field: `strategyParams.${key}`,
        message: `${key} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
      });
      return fallback;
    }
    return value;
  }

  /** A value checked by `parse` (which answers `undefined` for an invalid one). */
  custom<T>(key: string, fallback: T, parse: (value: unknown) => T | undefined, message: string): T {
    const value = this.value(key);
    if (value === undefined) return fallback;
    const parsed = parse(value);
    if (parsed === undefined) {
      this.errors.push({ field: `strategyParams.${key}`, message });
      return fallback;
    }
    return parsed;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.value(key) ?? fallback;
    if (typeof value !== 'boolean') {
      this.errors.push({ field: `strategyParams.${key}`, message: `${key} must be true or false` });
      return fallback;
    }
    return value;
  }

  /** Refuses keys the strategy does not know (request keys only; defaults may hold other strategies'). */
  finish(): FieldError[] {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key))
        this.errors.push({
          field: `strategyParams.${key}`,
          message: `${key} is not a parameter of this strategy`,
        });
    }
    return this.errors;
  }
}

/** The `retainPreviousSeconds` parameter of the strategies that install (Direct, Rolling, Canary). */
export function readRetainPreviousSeconds(reader: ParamReader): number {
  return reader.number(
    RETAIN_PREVIOUS_PARAM,
    DEFAULT_RETAIN_PREVIOUS_SECONDS,
    0,
    MAX_RETAIN_PREVIOUS_SECONDS,
  );
}
