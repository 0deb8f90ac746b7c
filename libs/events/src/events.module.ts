import { Global, Module } from '@nestjs/common';
import { EventLog } from './event-log';
import { InProcessWakeups } from './wakeups';

/** The event log every feature appends to (global: producers only need `EventLog`). */
@Global()
@Module({ providers: [EventLog, InProcessWakeups], exports: [EventLog, InProcessWakeups] })
export class EventsModule {}
