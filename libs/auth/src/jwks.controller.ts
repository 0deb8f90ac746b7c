import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@hotswap/http';
import { JwksResponseDto } from './dto/auth.response.dto';
import { SigningKeys } from './signing-keys';

@ApiTags('authentication')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(@Inject(SigningKeys) private readonly keys: SigningKeys) {}

  @Get('jwks.json')
  @ApiOperation({ operationId: 'getJwks', summary: 'The public keys that verify access tokens (JWKS).' })
  @ApiOkResponse({ type: JwksResponseDto })
  getJwks(): JwksResponseDto {
    return this.keys.jwks();
  }
}
