import type { RecordedEvent } from './recorded-event';

/**
 * One committed event as clients get it, serialized once per relay batch whatever the number of
 * subscribers: `data` is the subject ids plus the catalogue payload.
 */
export class WireEvent {
  private sseFrame: Buffer | undefined;
  private jsonTail: string | undefined;
  private readonly wsFrames = new Map<string, Buffer>();
  readonly seqNumber: bigint;

  constructor(readonly event: RecordedEvent) {
    this.seqNumber = BigInt(event.seq);
  }

  get data(): Record<string, unknown> {
    const { subject } = this.event;
    const ids: Record<string, string> = {};
    if (subject.deploymentId !== undefined) ids.deploymentId = subject.deploymentId;
    if (subject.environment !== undefined) ids.environment = subject.environment;
    if (subject.nodeId !== undefined) ids.nodeId = subject.nodeId;
    if (subject.moduleName !== undefined) ids.moduleName = subject.moduleName;
    return { ...ids, ...(this.event.payload as unknown as Record<string, unknown>) };
  }

  /** `"seq":…,"type":…,"at":…,"data":{…}}` — the end of every JSON form of the event. */
  get tail(): string {
    this.jsonTail ??= `${JSON.stringify({
      seq: this.event.seq,
      type: this.event.type,
      at: this.event.at.toISOString(),
      data: this.data,
    }).slice(1)}`;
    return this.jsonTail;
  }

  /** The SSE frame, encoded once for every subscriber. */
  get sse(): Buffer {
    this.sseFrame ??= Buffer.from(
      `id: ${this.event.seq}\nevent: ${this.event.type}\ndata: {${this.tail}\n\n`,
    );
    return this.sseFrame;
  }

  /** The WebSocket message for subscription `id` (events spec §3), encoded once per distinct id. */
  ws(id: string): Buffer {
    const frame = this.wsFrame(id);
    return frame.subarray(wsHeaderLength(frame));
  }

  /**
   * The whole WebSocket frame (unmasked server-to-client text frame: header and message) for
   * subscription `id`, built once per distinct id so that every subscriber gets one ready-made
   * buffer and one socket write.
   */
  wsFrame(id: string): Buffer {
    let frame = this.wsFrames.get(id);
    if (frame === undefined) {
      frame = textFrame(Buffer.from(`{"op":"event","subscription":${JSON.stringify(id)},${this.tail}`));
      if (this.wsFrames.size < 64) this.wsFrames.set(id, frame);
    }
    return frame;
  }
}

/** A final, unmasked WebSocket text frame (RFC 6455 §5.2) carrying `payload`. */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + n);
  frame[0] = 0x81;
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, header);
  return frame;
}

function wsHeaderLength(frame: Buffer): number {
  const n = frame[1]! & 0x7f;
  return n < 126 ? 2 : n === 126 ? 4 : 10;
}
