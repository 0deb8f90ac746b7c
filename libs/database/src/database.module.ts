import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import type { SchemaDefinition } from './data-source';
import { Database } from './database';
import { DatabaseRuntime } from './database-runtime';

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(@Inject(DatabaseRuntime) private readonly runtime: DatabaseRuntime) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/** Opens PostgreSQL (a server or the embedded one) for the whole application. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(schema: SchemaDefinition): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DatabaseRuntime,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => DatabaseRuntime.open(config.database, schema),
        },
        {
          provide: Database,
          inject: [DatabaseRuntime, AppConfig],
          // The embedded database serves every connection from one session: statements stay unnamed.
          useFactory: (runtime: DatabaseRuntime, config: AppConfig) =>
            new Database(runtime.dataSource, {
              preparedStatements: runtime.embedded === undefined && config.database.preparedStatements,
            }),
        },
        DatabaseLifecycle,
      ],
      exports: [DatabaseRuntime, Database],
    };
  }
}
