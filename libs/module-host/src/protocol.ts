/** Messages between a module host and the worker thread running one module version. */
export type HostOperation = 'init' | 'handle' | 'health' | 'dispose';

export interface HostRequest {
  readonly id: number;
  readonly op: HostOperation;
  readonly arg?: unknown;
}

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

export interface WorkerData {
  /** The bundle's JavaScript source (CommonJS). */
  readonly code: string;
  /** A name for stack traces, e.g. `payment-processor@2.1.0/index.js`. */
  readonly filename: string;
}
