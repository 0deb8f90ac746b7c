import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** One protocol message waiting for the embedded session (the socket server's queue entry). */
interface QueuedMessage {
  readonly handlerId: number;
  readonly message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(chunk: Uint8Array): void;
}

/** The parts of pglite-socket's (unexported) query queue this module relies on. */
interface SocketQueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

const SYNC = 0x53; // 'S' ends an extended-protocol batch
const QUERY = 0x51; // 'Q' a simple query: one message, whole by itself
const TERMINATE = 0x58; // 'X'
/** Parse, Bind, Describe, Execute, Close, Flush: messages of a batch that Sync completes. */
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);

/**
 * The socket server feeds the single embedded session one protocol message at a time from all
 * connections, keeping a connection exclusive only inside an explicit transaction. A parameterised
 * query is a batch (Parse, Bind, Describe, Execute, Sync) sharing the session's unnamed statement, and
 * when a batch arrives in several socket reads another connection's messages could run in between: its
 * Parse replaced the statement about to be bound, so a query failed ("bind message supplies 1
 * parameters, but prepared statement requires 3") or ran the other statement with these parameters.
 * This keeps a connection exclusive from the first message of a batch to its Sync as well.
 *
 * It replaces two methods of the server's queue instance (the class is not exported); the shape is
 * checked so that a changed library fails at start-up rather than silently.
 */
export function keepProtocolBatchesWhole(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue?: Partial<SocketQueryQueue> }).queryQueue;
  if (
    queue === undefined ||
    !Array.isArray(queue.queue) ||
    typeof queue.processQueue !== 'function' ||
    typeof queue.clearTransactionIfNeeded !== 'function' ||
    queue.db === undefined
  ) {
    throw new Error(
      'pglite-socket: the query queue is not the one this version expects; check the pinned version',
    );
  }
  const q = queue as SocketQueryQueue;
  /** The connection in the middle of an extended-protocol batch, if any. */
  let batchOwner: number | null = null;

  const nextMessage = (): QueuedMessage | undefined => {
    const owner = batchOwner ?? (q.db.isInTransaction() ? q.lastHandlerId : null);
    if (owner === null) return q.queue.shift();
    const index = q.queue.findIndex((m) => m.handlerId === owner);
    // The owner's next message has not arrived yet: wait for it (its enqueue runs the queue again).
    return index === -1 ? undefined : q.queue.splice(index, 1)[0];
  };

  q.processQueue = async (): Promise<void> => {
    if (q.processing) return;
    q.processing = true;
    try {
      for (let item = nextMessage(); item !== undefined; item = nextMessage()) {
        const current = item;
        let bytes = 0;
        try {
          await q.db.runExclusive(() =>
            q.db.execProtocolRawStream(current.message, {
              onRawData: (chunk: Uint8Array) => {
                bytes += chunk.length;
                current.onData(chunk);
              },
            }),
          );
        } catch (error) {
          if (batchOwner === current.handlerId) batchOwner = null;
          current.reject(error);
          continue;
        }
        const type = current.message[0] ?? 0;
        if (type === SYNC || type === QUERY || type === TERMINATE) batchOwner = null;
        else if (EXTENDED.has(type)) batchOwner = current.handlerId;
        q.lastHandlerId = current.handlerId;
        current.resolve(bytes);
      }
    } finally {
      q.processing = false;
    }
  };

  const clearTransaction = q.clearTransactionIfNeeded.bind(q);
  q.clearTransactionIfNeeded = async (handlerId: number): Promise<void> => {
    // A connection that went away mid-batch must not keep the others waiting.
    const wasOwner = batchOwner === handlerId;
    if (wasOwner) batchOwner = null;
    await clearTransaction(handlerId);
    if (wasOwner) await q.processQueue();
  };
}
