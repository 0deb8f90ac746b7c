export { EventEntity } from './event.entity';
export { EventLog, type EventEntry, type RecordedEvent } from './event-log';
export { EventsModule } from './events.module';

/** Entities of the event log, for the application's schema. */
import { EventEntity } from './event.entity';
export const EVENT_ENTITIES = [EventEntity];
