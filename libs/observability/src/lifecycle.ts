/**
 * Whether the process is draining. Readiness turns 503 the moment a shutdown begins, so that load
 * balancers stop sending new work while in-flight requests finish.
 */
export class ProcessLifecycle {
  private draining = false;

  beginShutdown(): void {
    this.draining = true;
  }

  get shuttingDown(): boolean {
    return this.draining;
  }
}
