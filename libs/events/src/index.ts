export { EventEntity } from './event.entity';
export { EventLogStateEntity } from './event-log-state.entity';
export { EventStreamTicketEntity } from './event-stream-ticket.entity';
export {
  EventLog,
  SETTLED_BOUND_SQL,
  type SettledBound,
  type EventEntry,
  type EventQuery,
  type RecordedEvent,
} from './event-log';
export { EventRelay, type EventRelayOptions, type RelayListener } from './event-relay';
export { EventMetrics } from './events.metrics';
export { EventsModule } from './events.module';
export { EVENTS_CHANNEL, InProcessWakeSource, PgListenWakeSource, type WakeSource } from './wake-source';
export { InProcessWakeups } from './wakeups';

/** Entities of the event log, for the application's schema. */
import { EventEntity } from './event.entity';
import { EventLogStateEntity } from './event-log-state.entity';
import { EventStreamTicketEntity } from './event-stream-ticket.entity';
export const EVENT_ENTITIES = [EventEntity, EventLogStateEntity, EventStreamTicketEntity];
export { EVENT_READ_ROLE, readableTypes, resolveFilter, type StreamFilter } from './event-access';
export { EventRetentionJob, EVENT_RETENTION_TASK } from './event-retention.job';
export { EventStreams, WireEvent, type StreamSink } from './event-streams';
export { EventStreamsModule, type EventStreamsModuleOptions } from './event-streams.module';
export { EVENTS_WS_PATH, WsCloseCode } from './events.gateway';
export { StreamAuthenticator, StreamTickets, TICKET_TTL_MS } from './stream-auth';
