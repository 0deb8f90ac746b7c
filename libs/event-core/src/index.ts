// Framework-free event streaming: the rules and wire format of the live streams (events spec),
// shared by the API's Nest streams and the standalone event gateway (DR-35). Nothing here may load
// Nest, Express, TypeORM or zod: the gateway's memory budget (P5) depends on it. prom-client (~2 MB)
// is the exception: both processes expose the same metrics (event-metrics.ts).
export { EVENT_READ_ROLE, expandPattern, readableTypes, resolveFilter, splitTypes } from './event-access';
export type { FilterRequest, FilterResult, StreamFilter } from './event-access';
export { SETTLED_BOUND_SQL, SqlEventReader, type SettledBound, type SqlQuery } from './event-reader';
export {
  createEventInstruments,
  EVENT_DELIVERY_METRIC,
  EVENT_METRICS,
  EVENT_SUBSCRIBERS_METRIC,
  EVENTS_PUBLISHED_METRIC,
  type EventInstruments,
} from './event-metrics';
export { EventRelay, type EventRelayOptions, type RelayListener } from './event-relay';
export {
  EVENTS_WS_MAX_MESSAGE_BYTES,
  EVENTS_WS_PATH,
  EventSockets,
  WsCloseCode,
  type EventSocketsOptions,
  type SocketAuthentication,
} from './event-sockets';
export {
  EventStreams,
  StreamSubscription,
  TooManyStreamsError,
  type EventStreamsOptions,
  type OpenStream,
  type StreamSink,
} from './event-streams';
export { SILENT_LOGGER, type EventLogger } from './logger';
export type {
  EventQuery,
  EventReader,
  RelayBatch,
  RecordedEvent,
  StreamMetrics,
  StreamTransport,
} from './recorded-event';
export { openSseStream, SseSink } from './sse-sink';
export {
  decideStream,
  forbiddenMessage,
  parseStreamRequest,
  seqParam,
  single,
  type StreamDecision,
  type StreamRequest,
} from './stream-request';
export { looksLikeTicket, redeemTicket, TICKET_PREFIX, TICKET_TTL_MS, ticketHash } from './stream-tickets';
export { EVENTS_CHANNEL, InProcessWakeSource, PgListenWakeSource, type WakeSource } from './wake-source';
export { InProcessWakeups } from './wakeups';
export { WireEvent } from './wire-event';
