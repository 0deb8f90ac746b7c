import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Idempotent } from '@hotswap/coordination';
import { Role, type Principal } from '@hotswap/contracts';
import { ApiProblems, CurrentPrincipal, Roles } from '@hotswap/http';
import { RegisterSigningKeyDto, SigningKeyIdParams, SigningKeyResponseDto } from './dto/signing-key.dto';
import { toSigningKeyResponse } from './module.mapper';
import { SigningKeysService } from './signing-keys.service';

@ApiTags('signing-keys')
@Controller('signing-keys')
export class SigningKeysController {
  constructor(@Inject(SigningKeysService) private readonly keys: SigningKeysService) {}

  @Post()
  @Idempotent()
  @Roles(Role.Admin)
  @ApiOperation({ operationId: 'registerSigningKey', summary: 'Trust a public key for module signatures.' })
  @ApiCreatedResponse({ type: SigningKeyResponseDto })
  @ApiProblems(400, 409)
  async register(
    @Body() body: RegisterSigningKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SigningKeyResponseDto> {
    return toSigningKeyResponse(await this.keys.register(body.name, body.publicKey, principal));
  }

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listSigningKeys',
    summary: 'Registered signing keys (public material only).',
  })
  @ApiOkResponse({ type: [SigningKeyResponseDto] })
  async list(): Promise<SigningKeyResponseDto[]> {
    return (await this.keys.list()).map(toSigningKeyResponse);
  }

  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getSigningKey', summary: 'One signing key.' })
  @ApiOkResponse({ type: SigningKeyResponseDto })
  @ApiProblems(400, 404)
  async get(@Param() params: SigningKeyIdParams): Promise<SigningKeyResponseDto> {
    return toSigningKeyResponse(await this.keys.get(params.id));
  }

  @Post(':id/revoke')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'revokeSigningKey',
    summary: 'Stop trusting a key: its signatures no longer verify.',
  })
  @ApiOkResponse({ type: SigningKeyResponseDto })
  @ApiProblems(400, 404, 409)
  async revoke(
    @Param() params: SigningKeyIdParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SigningKeyResponseDto> {
    return toSigningKeyResponse(await this.keys.revoke(params.id, principal));
  }
}
