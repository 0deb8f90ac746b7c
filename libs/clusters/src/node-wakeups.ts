import { EventEmitter } from 'node:events';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Database } from '@hotswap/database';
import { Client } from 'pg';

export const NODE_WAKE_CHANNEL = 'hotswap_node_wake';

/** What happened to a node that another replica may care about. */
export type WakeReason = 'desired' | 'report';

/**
 * Cross-replica wake-ups for node state: "node X has a new desired state" (the replica holding its
 * socket pushes it) and "node X reported" (a replica waiting on an operation re-reads it). With a
 * PostgreSQL server this is LISTEN/NOTIFY on one channel; embedded PostgreSQL is one process and
 * its NOTIFY does not cross connections, so there the wake-up is in-process only. Wake-ups are hints:
 * the state itself is always read from the database, and a periodic check covers a lost one.
 */
@Injectable()
export class NodeWakeups implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NodeWakeups');
  private readonly local = new EventEmitter();
  private listener: Client | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Database) private readonly database: Database,
  ) {
    this.local.setMaxListeners(0);
  }

  async onApplicationBootstrap(): Promise<void> {
    const url = this.config.database.url;
    if (url === undefined) return;
    const client = new Client({ connectionString: url, application_name: 'hotswap-node-wakeups' });
    client.on('notification', (message) => {
      const [reason, nodeId] = (message.payload ?? '').split(':');
      if ((reason === 'desired' || reason === 'report') && nodeId !== undefined)
        this.emitLocal(reason, nodeId);
    });
    client.on('error', (error) => this.logger.warn({ msg: 'wake-up listener failed', err: error }));
    await client.connect();
    await client.query(`LISTEN ${NODE_WAKE_CHANNEL}`);
    this.listener = client;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** Call after the change committed. */
  async wake(reason: WakeReason, nodeId: string): Promise<void> {
    if (this.listener !== undefined) {
      // The listener (this replica included) re-emits it locally.
      await this.database.dataSource.query('SELECT pg_notify($1, $2)', [
        NODE_WAKE_CHANNEL,
        `${reason}:${nodeId}`,
      ]);
    } else {
      this.emitLocal(reason, nodeId);
    }
  }

  on(reason: WakeReason, handler: (nodeId: string) => void): () => void {
    this.local.on(reason, handler);
    return () => this.local.off(reason, handler);
  }

  private emitLocal(reason: WakeReason, nodeId: string): void {
    this.local.emit(reason, nodeId);
  }
}
