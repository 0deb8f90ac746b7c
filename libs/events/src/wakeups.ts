/**
 * In-process wake-up of the relay. On the embedded database LISTEN/NOTIFY does not cross
 * connections, so the event log nudges the relay itself; PGlite runs one transaction at a time, so
 * the relay's read queues behind the appending transaction and sees its rows once committed.
 */
export class InProcessWakeups {
  private listener: (() => void) | undefined;

  /** Called by the event log after each append. */
  appended(): void {
    this.listener?.();
  }

  listen(listener: (() => void) | undefined): void {
    this.listener = listener;
  }
}
