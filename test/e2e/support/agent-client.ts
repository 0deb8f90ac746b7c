import WebSocket from 'ws';

/** A scripted agent: a WebSocket to `/agent` that records what the server sends. */
export class ScriptedAgent {
  readonly received: Record<string, unknown>[] = [];
  private waiters: {
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      this.received.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Opens the socket; rejects with the HTTP status when the upgrade is refused. */
  static connect(baseUrl: string, credential: string | undefined): Promise<ScriptedAgent> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/agent`, {
      headers: credential === undefined ? {} : { Authorization: `Bearer ${credential}` },
    });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new ScriptedAgent(socket)));
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The next (or an already received) message of `type` matching `where`. */
  next(type: string, where: (m: Record<string, unknown>) => boolean = () => true, timeoutMs = 10_000) {
    const match = (m: Record<string, unknown>) => m.type === type && where(m);
    const seen = this.received.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no '${type}' message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}
