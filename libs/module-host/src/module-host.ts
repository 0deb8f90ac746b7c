import { Worker } from 'node:worker_threads';
import type { HostOperation, HostRequest, WorkerData, WorkerReply } from './protocol';
import { WORKER_SOURCE } from './worker-source';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export interface ModuleHealth {
  readonly status: HealthStatus;
  readonly details?: unknown;
}

export interface LoadOptions {
  /** `name@version`, for messages and stack traces. */
  readonly id: string;
  /** The bundle's JavaScript source. */
  readonly code: string;
  /** Passed to `init(context)` as `context.config`. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Heap limit of the worker (the manifest's `resources.memoryMb`). */
  readonly memoryMb?: number;
  /** Upper bound for each call into the module (init, handle, health, dispose). */
  readonly callTimeoutMs?: number;
}

export class ModuleCallError extends Error {
  constructor(
    readonly moduleId: string,
    readonly op: HostOperation,
    message: string,
  ) {
    super(`${moduleId} ${op}(): ${message}`);
    this.name = 'ModuleCallError';
  }
}

const HEALTH_STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];

function asHealth(value: unknown): ModuleHealth {
  if (typeof value === 'object' && value !== null && 'status' in value) {
    const status = value.status;
    if (typeof status === 'string' && (HEALTH_STATUSES as readonly string[]).includes(status)) {
      return { status: status as HealthStatus, details: (value as { details?: unknown }).details };
    }
  }
  return {
    status: 'unhealthy',
    details: { reason: 'health() did not answer {status: healthy|degraded|unhealthy}' },
  };
}

/**
 * One module version loaded in its own worker thread: a crash, an endless loop or a memory blow-up
 * in the module cannot take the host down, and a version can be replaced by loading the next one
 * beside it and disposing the old (the hot swap).
 */
export class LoadedModule {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitError: Error | undefined;

  private constructor(
    readonly id: string,
    private readonly worker: Worker,
    private readonly callTimeoutMs: number,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (waiter === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.error));
    });
    const fail = (error: Error) => {
      this.exitError ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  }

  /** Starts the worker, evaluates the bundle and calls `init({ config, moduleId })`. */
  static async load(options: LoadOptions): Promise<LoadedModule> {
    const data: WorkerData = { code: options.code, filename: `${options.id}.js` };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: data,
      stdout: true,
      stderr: true,
      resourceLimits:
        options.memoryMb === undefined ? undefined : { maxOldGenerationSizeMb: options.memoryMb },
    });
    const loaded = new LoadedModule(options.id, worker, options.callTimeoutMs ?? 5_000);
    try {
      await loaded.call('init', { config: options.config ?? {}, moduleId: options.id });
    } catch (error) {
      await loaded.terminate();
      throw error;
    }
    return loaded;
  }

  private call(op: HostOperation, arg?: unknown): Promise<unknown> {
    if (this.exitError !== undefined) {
      return Promise.reject(new ModuleCallError(this.id, op, this.exitError.message));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ModuleCallError(this.id, op, `no answer within ${this.callTimeoutMs} ms`));
      }, this.callTimeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error instanceof ModuleCallError ? error : new ModuleCallError(this.id, op, error.message));
        },
      });
      this.worker.postMessage({ id, op, arg } satisfies HostRequest);
    });
  }

  handle(request: unknown): Promise<unknown> {
    return this.call('handle', request);
  }

  /** The module's own health probe; any failure or malformed answer counts as unhealthy. */
  async health(): Promise<ModuleHealth> {
    try {
      return asHealth(await this.call('health'));
    } catch (error) {
      return {
        status: 'unhealthy',
        details: { reason: error instanceof Error ? error.message : String(error) },
      };
    }
  }

  /** Calls `dispose()` (bounded by the call timeout), then stops the worker. */
  async dispose(): Promise<void> {
    try {
      await this.call('dispose');
    } finally {
      await this.terminate();
    }
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
