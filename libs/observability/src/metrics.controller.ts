import { PUBLIC_ROUTE } from '@hotswap/contracts';
import { Controller, SetMetadata, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

@ApiTags('observability')
// Public: probes and Prometheus scrape without a token (the PUBLIC_ROUTE key is what @Public() sets).
@SetMetadata(PUBLIC_ROUTE, true)
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
