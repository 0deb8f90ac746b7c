import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from '@hotswap/contracts';
import { AppConfig } from './app-config';

/**
 * Provides the one validated {@link AppConfig} to the whole application, and the {@link Clock}
 * (the system clock unless a test passes one it controls).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
      ],
      exports: [AppConfig, Clock],
    };
  }
}
