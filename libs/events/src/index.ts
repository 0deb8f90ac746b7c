export { EventEntity } from './event.entity';
export { EventLogStateEntity } from './event-log-state.entity';
export { EventStreamTicketEntity } from './event-stream-ticket.entity';
export { EventLog, type EventEntry } from './event-log';
export { EventMetrics } from './events.metrics';
export { EventsModule } from './events.module';

/** Entities of the event log, for the application's schema. */
import { EventEntity } from './event.entity';
import { EventLogStateEntity } from './event-log-state.entity';
import { EventStreamTicketEntity } from './event-stream-ticket.entity';
export const EVENT_ENTITIES = [EventEntity, EventLogStateEntity, EventStreamTicketEntity];
export { EventRetentionJob, EVENT_RETENTION_TASK } from './event-retention.job';
export { EventStreamsModule, type EventStreamsModuleOptions } from './event-streams.module';
export { StreamAuthenticator, StreamTickets } from './stream-auth';
