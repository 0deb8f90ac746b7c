import type { ServerResponse } from 'node:http';
import { TooManyStreamsError, type EventStreams, type OpenStream, type StreamSink } from './event-streams';
import type { WireEvent } from './wire-event';

/** Grace for a closing stream's last bytes before the socket is destroyed. */
const CLOSE_GRACE_MS = 5_000;

/**
 * An SSE response (a plain `node:http` one, so the API's Express and the gateway share it). Headers go out on the first write, so a refusal before it (401/403/429) is an
 * ordinary problem+json answer.
 */
export class SseSink implements StreamSink {
  readonly transport = 'sse' as const;
  private started = false;
  private ended = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private closedListener: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly heartbeatMs: number,
  ) {
    // The response's close (not the request's, which fires once its body was read) is the client leaving.
    res.on('close', () => this.finish());
  }

  onClosed(listener: () => void): void {
    if (this.ended) listener();
    else this.closedListener = listener;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.statusCode = 200;
    this.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('Cache-Control', 'no-cache, no-transform');
    // A close-delimited body instead of chunked encoding: each event is one plain write, no chunk
    // framing for the server to add or the client to parse; the connection is the stream anyway.
    (this.res as unknown as { useChunkedEncodingByDefault: boolean }).useChunkedEncodingByDefault = false;
    this.res.setHeader('Connection', 'close');
    this.res.setHeader('X-Accel-Buffering', 'no');
    this.res.flushHeaders();
    this.res.socket?.setNoDelay(true);
    this.res.write(': connected\n\n');
    this.heartbeat = setInterval(() => {
      if (!this.ended) this.res.write(': heartbeat\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Called once the stream is open (replay done): from now on the response is an event stream. */
  open(): void {
    this.start();
  }

  send(events: readonly WireEvent[]): void {
    this.start();
    const first = events[0];
    if (this.ended || first === undefined) return;
    const bytes = events.length === 1 ? first.sse : Buffer.concat(events.map((e) => e.sse));
    const socket = this.res.socket;
    // The body is close-delimited (no chunk framing), so once the headers went out an event is
    // plain bytes on the socket: written there directly, it leaves now, whereas a response write
    // corks the socket until the next tick (after the whole fan-out) and costs a tick per client.
    // Only while this response owns the connection (no pipelined response ahead of it).
    if (
      socket !== null &&
      !socket.destroyed &&
      (socket as { _httpMessage?: unknown })._httpMessage === this.res
    )
      socket.write(bytes);
    else this.res.write(bytes);
  }

  buffered(): number {
    return this.res.writableLength;
  }

  resync(): void {
    this.start();
    this.res.write(
      'event: resync\ndata: {"reason":"the cursor is older than the retained events; reload state"}\n\n',
    );
  }

  overflow(): void {
    this.start();
    this.res.write('event: overflow\ndata: {"reason":"the client did not keep up"}\n\n');
    this.end();
  }

  shutdown(): void {
    this.end();
    this.res.socket?.destroy();
  }

  /** Ends the stream (if it started) and stops its timers. */
  end(): void {
    if (this.ended) return;
    if (this.started) {
      this.res.end();
      const socket = this.res.socket;
      setTimeout(() => socket?.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.finish();
  }

  /** The stream never started (refused before any byte): leave the response to the error filter. */
  abandon(): void {
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    const listener = this.closedListener;
    this.closedListener = undefined;
    listener?.();
  }
}

/**
 * Opens an SSE stream on `res` (replay first, then live) and closes the subscription when the client
 * leaves. On {@link TooManyStreamsError} nothing was written yet, so the caller answers 429; on any
 * other failure the stream is ended.
 */
export async function openSseStream(
  streams: EventStreams,
  request: Omit<OpenStream, 'sink'>,
  res: ServerResponse,
  heartbeatMs: number,
): Promise<void> {
  const sink = new SseSink(res, heartbeatMs);
  try {
    const subscription = await streams.open({ ...request, sink });
    sink.open();
    sink.onClosed(() => subscription.close());
  } catch (error) {
    if (error instanceof TooManyStreamsError) sink.abandon();
    else sink.end();
    throw error;
  }
}
