import { PUBLIC_ROUTE, RATE_LIMIT_CLASS } from '@hotswap/contracts';
import { Controller, SetMetadata, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseRuntime } from '@hotswap/database';
import { ProcessLifecycle } from './lifecycle';

const DATABASE_TIMEOUT_MS = 2_000;

@ApiTags('health')
// Public: probes and Prometheus scrape without a token (the PUBLIC_ROUTE key is what @Public() sets).
@SetMetadata(PUBLIC_ROUTE, true)
// Never rate limited: orchestrators and scrapers must always get an answer.
@SetMetadata(RATE_LIMIT_CLASS, 'exempt')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(DatabaseRuntime) private readonly database: DatabaseRuntime,
    @Inject(ProcessLifecycle) private readonly lifecycle: ProcessLifecycle,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ operationId: 'getLiveness', summary: 'The process is up and serving HTTP.' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'The process can take traffic: database reachable, migrations applied, not shutting down.',
  })
  @ApiResponse({ status: 503, description: 'Not ready; the body says which check failed.' })
  ready() {
    return this.health.check([
      () => {
        const check = this.indicators.check('lifecycle');
        return this.lifecycle.shuttingDown ? check.down({ message: 'shutting down' }) : check.up();
      },
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await this.database.ping();
            return { embedded: this.database.embedded !== undefined };
          })
          .withTimeout(DATABASE_TIMEOUT_MS),
      async () => {
        const check = this.indicators.check('migrations');
        const applied = await this.database.migrationsApplied().catch(() => false);
        return applied ? check.up() : check.down({ message: 'migrations pending' });
      },
    ]);
  }
}
