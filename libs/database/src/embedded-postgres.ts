import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepProtocolBatchesWhole } from './embedded-message-batches';

export interface EmbeddedPostgresOptions {
  /** Directory holding the database files; `undefined` keeps everything in memory. */
  readonly dataDir: string | undefined;
  /** Upper bound on client connections; every pool together must stay within it. */
  readonly maxConnections: number;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on 127.0.0.1 so that `pg`, TypeORM and the job
 * queue connect to it by URL exactly as they would to a server. It is one session underneath:
 * transactions from different connections are serialized (and so is each extended-protocol batch,
 * see {@link keepProtocolBatchesWhole}), and LISTEN/NOTIFY does not cross connections.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    readonly maxConnections: number,
    readonly dataDir: string | undefined,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
    const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: options.maxConnections,
    });
    keepProtocolBatchesWhole(server);
    try {
      await server.start();
    } catch (error) {
      await db.close();
      throw error;
    }
    const address = server.getServerConn();
    const port = address.slice(address.lastIndexOf(':') + 1);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return new EmbeddedPostgres(db, server, url, options.maxConnections, options.dataDir);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    if (!this.db.closed) await this.db.close();
  }
}
