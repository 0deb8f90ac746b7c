import { Global, Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '@hotswap/config';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { HealthController } from './health.controller';
import { httpDurationHistogramProvider, HttpMetricsMiddleware } from './http-metrics';
import { ProcessLifecycle } from './lifecycle';
import { loggerParams } from './logging';
import { MetricsController } from './metrics.controller';

export interface ObservabilityOptions {
  /** Where JSON log lines go; standard output when absent. */
  readonly logDestination?: DestinationStream;
}

/** JSON logs, Prometheus metrics at `/metrics`, and the liveness and readiness probes. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => loggerParams(config, options.logDestination),
        }),
        PrometheusModule.register({
          path: '/metrics',
          controller: MetricsController,
          defaultMetrics: { enabled: true },
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [ProcessLifecycle, httpDurationHistogramProvider, HttpMetricsMiddleware],
      exports: [ProcessLifecycle, PrometheusModule, HttpMetricsMiddleware],
    };
  }
}
