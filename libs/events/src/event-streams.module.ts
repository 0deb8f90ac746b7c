import {
  Inject,
  Injectable,
  Logger,
  Module,
  type MiddlewareConsumer,
  type NestModule,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type ModuleMetadata,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { DatabaseRuntime } from '@hotswap/database';
import {
  EventRelay,
  EventStreams,
  InProcessWakeSource,
  InProcessWakeups,
  PgListenWakeSource,
} from '@hotswap/event-core';
import { EventLog } from './event-log';
import { EventRetentionJob } from './event-retention.job';
import { EventsController } from './events.controller';
import { EventsGateway } from './events.gateway';
import { eventMetricProviders, EventMetrics } from './events.metrics';
import { StreamTickets } from './stream-auth';
import { StreamTicketMiddleware } from './stream-ticket.middleware';

/** Starts the relay once the app is up and stops it before the database closes. */
@Injectable()
export class EventStreamsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(EventRelay) private readonly relay: EventRelay,
    @Inject(EventStreams) private readonly streams: EventStreams,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.streams.start();
    await this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.streams.stop();
    await this.relay.stop();
  }
}

export interface EventStreamsModuleOptions {
  /** A module exporting a {@link StreamAuthenticator} (the identity lib's). */
  readonly imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * The relay, the SSE and WebSocket streams, history, tickets and retention. The composition root
 * passes the module that verifies bearer tokens (platform libs do not depend on features).
 */
@Module({})
export class EventStreamsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(StreamTicketMiddleware).forRoutes(EventsController);
  }

  static forRoot(options: EventStreamsModuleOptions): DynamicModule {
    return {
      module: EventStreamsModule,
      imports: [...options.imports],
      controllers: [EventsController],
      providers: [
        ...eventMetricProviders(),
        {
          provide: EventRelay,
          inject: [AppConfig, DatabaseRuntime, EventLog, InProcessWakeups, EventMetrics],
          useFactory: (
            config: AppConfig,
            runtime: DatabaseRuntime,
            log: EventLog,
            wakeups: InProcessWakeups,
            metrics: EventMetrics,
          ) => {
            const url = config.database.url;
            const source =
              runtime.embedded !== undefined || url === undefined
                ? new InProcessWakeSource(wakeups)
                : new PgListenWakeSource(url, new Logger('EventRelay'));
            return new EventRelay(
              log,
              source,
              { pollIntervalMs: config.events.pollIntervalMs },
              metrics,
              new Logger('EventRelay'),
            );
          },
        },
        {
          provide: EventStreams,
          inject: [AppConfig, EventLog, EventRelay, EventMetrics],
          useFactory: (config: AppConfig, log: EventLog, relay: EventRelay, metrics: EventMetrics) =>
            new EventStreams(
              log,
              relay,
              {
                clientBufferBytes: config.events.clientBufferBytes,
                maxStreamsPerUser: config.events.maxStreamsPerUser,
              },
              metrics,
              new Logger('EventStreams'),
            ),
        },
        StreamTickets,
        StreamTicketMiddleware,
        EventsGateway,
        EventRetentionJob,
        EventStreamsLifecycle,
      ],
      exports: [EventRelay, EventStreams],
    };
  }
}
