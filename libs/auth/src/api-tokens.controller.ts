import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { IdempotencyExempt, Idempotent } from '@hotswap/coordination';
import type { RequestOrigin } from '@hotswap/audit';
import { Role, type UserPrincipal } from '@hotswap/contracts';
import { ApiProblemResponse, Roles } from '@hotswap/http';
import { ApiTokensService } from './api-tokens.service';
import { ApiTokenListQueryDto, CreateApiTokenDto } from './dto/auth.dto';
import { ApiTokenPageResponseDto, CreatedApiTokenResponseDto } from './dto/auth.response.dto';
import { CurrentUser, Origin } from './principal';
import { toApiTokenResponse } from './user.mapper';

@ApiTags('api-tokens')
@Roles(Role.Deployer)
@Controller('api-tokens')
export class ApiTokensController {
  constructor(@Inject(ApiTokensService) private readonly tokens: ApiTokensService) {}

  @Post()
  @IdempotencyExempt('the response carries the token secret, shown once: it must not be stored for replay')
  @ApiOperation({
    operationId: 'createApiToken',
    summary: "Creates an API token with a subset of the caller's roles; its value is shown only here.",
  })
  @ApiCreatedResponse({ type: CreatedApiTokenResponseDto })
  @ApiProblemResponse(400, 'Invalid fields (every one listed).')
  async createApiToken(
    @Body() body: CreateApiTokenDto,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<CreatedApiTokenResponseDto> {
    const created = await this.tokens.create(principal, body, origin);
    return { ...toApiTokenResponse(created.token), token: created.value };
  }

  @Get()
  @ApiOperation({ operationId: 'listApiTokens', summary: "The caller's API tokens (Admins: everyone's)." })
  @ApiOkResponse({ type: ApiTokenPageResponseDto })
  @ApiProblemResponse(400, 'Invalid limit, cursor or ownerId.')
  async listApiTokens(
    @Query() query: ApiTokenListQueryDto,
    @CurrentUser() principal: UserPrincipal,
  ): Promise<ApiTokenPageResponseDto> {
    const page = await this.tokens.list(principal, query.limit ?? 50, query.cursor, query.ownerId);
    return { items: page.items.map(toApiTokenResponse), nextCursor: page.nextCursor };
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiToken', summary: 'Revokes an API token at once.' })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked).' })
  @ApiProblemResponse(400, 'The id is not a UUID.')
  @ApiProblemResponse(404, 'No such token (or not yours).')
  async revokeApiToken(
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    await this.tokens.revoke(principal, id, origin);
  }
}
