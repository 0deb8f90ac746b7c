import { Client } from 'pg';
import { SILENT_LOGGER, type EventLogger } from './logger';
import type { InProcessWakeups } from './wakeups';

/** The channel the `events_notify` trigger notifies on (payload: the transaction's highest seq). */
export const EVENTS_CHANNEL = 'hotswap_events';

/** Tells the relay that new events may be committed (`seq`: the highest one, when known). */
export interface WakeSource {
  start(onWake: (seq: string | undefined) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * LISTEN on a connection of its own. A dropped connection is reopened (with a catch-up wake, as
 * notifications sent meanwhile are lost); the relay's poll covers the gap until then.
 */
export class PgListenWakeSource implements WakeSource {
  private client: Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private onWake: (seq: string | undefined) => void = () => undefined;

  constructor(
    private readonly url: string,
    private readonly logger: EventLogger = SILENT_LOGGER,
  ) {}

  async start(onWake: (seq: string | undefined) => void): Promise<void> {
    this.onWake = onWake;
    this.stopped = false;
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'hotswap-events',
      connectionTimeoutMillis: 10_000,
    });
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL) this.onWake(message.payload ?? undefined);
    });
    client.on('error', (error) => {
      if (this.client !== client) return;
      this.logger.warn({ msg: 'event listener connection lost; reconnecting', err: error });
      this.lost(client);
    });
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Whatever was notified while no connection listened is read now.
    this.onWake(undefined);
  }

  private lost(client: Client): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.scheduleConnect();
  }

  private scheduleConnect(): void {
    this.retry = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.logger.warn({ msg: 'event listener reconnect failed', err: error });
        if (!this.stopped) this.scheduleConnect();
      });
    }, 500);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** Embedded mode: the event log nudges the relay in-process (LISTEN does not cross PGlite connections). */
export class InProcessWakeSource implements WakeSource {
  constructor(private readonly wakeups: InProcessWakeups) {}

  start(onWake: (seq: string | undefined) => void): Promise<void> {
    this.wakeups.listen(() => onWake(undefined));
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.wakeups.listen(undefined);
    return Promise.resolve();
  }
}
