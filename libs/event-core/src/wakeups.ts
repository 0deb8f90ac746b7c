/**
 * In-process wake-up of the relay. On the embedded database LISTEN/NOTIFY does not cross
 * connections, so the event log nudges the relay itself once a transaction that appended events
 * has committed.
 */
export class InProcessWakeups {
  private listener: (() => void) | undefined;

  /** Called by the event log after a transaction that appended events committed. */
  appended(): void {
    this.listener?.();
  }

  listen(listener: (() => void) | undefined): void {
    this.listener = listener;
  }
}
