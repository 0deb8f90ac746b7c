import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role, type Principal } from '@hotswap/contracts';
import { Idempotent } from '@hotswap/coordination';
import { ApiProblems, CurrentPrincipal, Roles } from '@hotswap/http';
import { EnvironmentWebhooksDto, EnvironmentWebhooksParams, PutWebhooksDto } from '../dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('environments')
@Controller('environments')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Get(':name/webhooks')
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'getEnvironmentWebhooks',
    summary: "The environment's approval webhooks (secrets never shown) and their latest deliveries.",
  })
  @ApiOkResponse({ type: EnvironmentWebhooksDto })
  @ApiProblems(400, 404)
  get(@Param() params: EnvironmentWebhooksParams): Promise<EnvironmentWebhooksDto> {
    return this.webhooks.get(params.name);
  }

  @Put(':name/webhooks')
  @Roles(Role.Admin)
  @Idempotent()
  @ApiBody({ type: PutWebhooksDto })
  @ApiOperation({
    operationId: 'putEnvironmentWebhooks',
    summary:
      'Replace the approval webhooks: signed JSON (X-HotSwap-Signature: sha256=HMAC) on approval.requested|decided|expired. Private, loopback and link-local targets are refused.',
  })
  @ApiOkResponse({ type: EnvironmentWebhooksDto })
  @ApiProblems(400, 404)
  put(
    @Param() params: EnvironmentWebhooksParams,
    @Body() body: PutWebhooksDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnvironmentWebhooksDto> {
    return this.webhooks.replace(params.name, body, principal);
  }
}
