import { Global, Module } from '@nestjs/common';
import { Database, DatabaseRuntime } from '@hotswap/database';
import { InProcessWakeups } from '@hotswap/event-core';
import { EventLog } from './event-log';

/** The event log every feature appends to (global: producers only need `EventLog`). */
@Global()
@Module({
  providers: [
    InProcessWakeups,
    {
      provide: EventLog,
      inject: [Database, InProcessWakeups, DatabaseRuntime],
      useFactory: (database: Database, wakeups: InProcessWakeups, runtime: DatabaseRuntime) =>
        new EventLog(database, wakeups, runtime.embedded !== undefined ? 'snapshot' : 'database'),
    },
  ],
  exports: [EventLog, InProcessWakeups],
})
export class EventsModule {}
