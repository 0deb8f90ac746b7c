import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdempotencyExempt, Idempotent } from '@hotswap/coordination';
import type { RequestOrigin } from '@hotswap/audit';
import { Role, type UserPrincipal } from '@hotswap/contracts';
import { ApiProblemResponse, ApiRateLimitedResponse, Public, RateLimit, Roles } from '@hotswap/http';
import { AuthenticationService, type SessionTokens } from './authentication.service';
import { ChangePasswordDto, LoginDto, RefreshDto } from './dto/auth.dto';
import { MeResponseDto, TokenResponseDto } from './dto/auth.response.dto';
import { CurrentUser, Origin } from './principal';
import { toUserSummary } from './user.mapper';

function toTokenResponse(tokens: SessionTokens): TokenResponseDto {
  return {
    accessToken: tokens.access.token,
    token: tokens.access.token,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.access.expiresAt.toISOString(),
    tokenType: 'Bearer',
    user: toUserSummary(tokens.user),
  };
}

@ApiTags('authentication')
@Controller('authentication')
export class AuthenticationController {
  constructor(@Inject(AuthenticationService) private readonly auth: AuthenticationService) {}

  @Post('login')
  @IdempotencyExempt('exchanges credentials for new tokens, which must not be stored for replay')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    operationId: 'login',
    summary: 'Exchanges a username and password for an access token and a refresh token.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponse(400, 'Invalid request body.')
  @ApiProblemResponse(401, 'Invalid credentials (the same answer for every reason).')
  @ApiRateLimitedResponse()
  async login(@Body() body: LoginDto, @Origin() origin: RequestOrigin): Promise<TokenResponseDto> {
    return toTokenResponse(await this.auth.login(body.username, body.password, origin));
  }

  @Post('refresh')
  @IdempotencyExempt(
    'rotates a refresh token: the new tokens must not be stored for replay, and a reused refresh token is detected by the rotation',
  )
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    operationId: 'refresh',
    summary: 'Rotates a refresh token: returns a new pair; a reused token revokes its whole session.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblemResponse(400, 'Invalid request body.')
  @ApiProblemResponse(401, 'Unknown, expired, revoked or reused refresh token.')
  @ApiRateLimitedResponse()
  async refresh(@Body() body: RefreshDto, @Origin() origin: RequestOrigin): Promise<TokenResponseDto> {
    return toTokenResponse(await this.auth.refresh(body.refreshToken, origin));
  }

  @Post('logout')
  @Idempotent()
  @HttpCode(204)
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'logout', summary: 'Ends the session of the access token used.' })
  @ApiNoContentResponse({ description: 'Logged out.' })
  @ApiProblemResponse(409, 'An API token has no session.')
  async logout(@CurrentUser() principal: UserPrincipal, @Origin() origin: RequestOrigin): Promise<void> {
    await this.auth.logout(principal, origin);
  }

  @Get('me')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getCurrentUser',
    summary: 'The authenticated user and the roles of this request.',
  })
  @ApiOkResponse({ type: MeResponseDto })
  async me(@CurrentUser() principal: UserPrincipal): Promise<MeResponseDto> {
    const user = await this.auth.me(principal);
    return { ...toUserSummary(user), roles: [...principal.roles], kind: principal.kind };
  }

  @Post('password')
  @IdempotencyExempt('the body carries a password: a fingerprint of it must not be stored for 24 h')
  @HttpCode(204)
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'changePassword',
    summary: "Changes the caller's password; every other session of the user is revoked.",
  })
  @ApiNoContentResponse({ description: 'Password changed.' })
  @ApiProblemResponse(400, 'Wrong current password, or the new one is refused (every reason listed).')
  async changePassword(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: ChangePasswordDto,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    await this.auth.changePassword(principal, body.currentPassword, body.newPassword, origin);
  }
}
