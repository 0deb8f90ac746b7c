import { PUBLIC_ROUTE, RATE_LIMIT_CLASS } from '@hotswap/contracts';
import { Controller, SetMetadata, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

@ApiTags('observability')
// Public: probes and Prometheus scrape without a token (the PUBLIC_ROUTE key is what @Public() sets).
@SetMetadata(PUBLIC_ROUTE, true)
// Never rate limited: orchestrators and scrapers must always get an answer.
@SetMetadata(RATE_LIMIT_CLASS, 'exempt')
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics in the text exposition format.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Metrics', schema: { type: 'string' } })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
