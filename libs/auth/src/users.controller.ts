import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Patch,
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
import { Clock, Role, type UserPrincipal } from '@hotswap/contracts';
import { ApiProblemResponse, Roles } from '@hotswap/http';
import { CreateUserDto, PageQueryDto, ResetPasswordDto, UpdateUserDto } from './dto/auth.dto';
import { UserPageResponseDto, UserResponseDto } from './dto/auth.response.dto';
import { CurrentUser, Origin } from './principal';
import { toUserResponse } from './user.mapper';
import { UsersService } from './users.service';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('users')
@Roles(Role.Admin)
@Controller('users')
export class UsersController {
  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Post()
  @IdempotencyExempt('the body carries a password: a fingerprint of it must not be stored for 24 h')
  @ApiOperation({ operationId: 'createUser', summary: 'Creates a user.' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiProblemResponse(
    400,
    'Invalid fields (every one listed), a refused password, or a field that cannot be set.',
  )
  @ApiProblemResponse(409, 'The username is taken.')
  async createUser(
    @Body() body: CreateUserDto,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.create(body, principal, origin), this.clock.now());
  }

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'Users, by username, a page at a time.' })
  @ApiOkResponse({ type: UserPageResponseDto })
  @ApiProblemResponse(400, 'Invalid limit or cursor.')
  async listUsers(@Query() query: PageQueryDto): Promise<UserPageResponseDto> {
    const page = await this.users.list(query.limit ?? 50, query.cursor);
    const now = this.clock.now();
    return { items: page.items.map((u) => toUserResponse(u, now)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getUser', summary: 'One user.' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponse(400, 'The id is not a UUID.')
  @ApiProblemResponse(404, 'No such user.')
  async getUser(@Param('id', uuid) id: string): Promise<UserResponseDto> {
    return toUserResponse(await this.users.get(id), this.clock.now());
  }

  @Patch(':id')
  @Idempotent()
  @ApiOperation({ operationId: 'updateUser', summary: "Changes a user's roles, email or full name." })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponse(400, 'Invalid id or fields, or a field that cannot be changed here.')
  @ApiProblemResponse(404, 'No such user.')
  @ApiProblemResponse(409, 'The change would leave no enabled Admin.')
  async updateUser(
    @Param('id', uuid) id: string,
    @Body() body: UpdateUserDto,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.update(id, body, principal, origin), this.clock.now());
  }

  @Post(':id/disable')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'disableUser',
    summary: 'Disables a user: its sessions and tokens stop working at once.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponse(400, 'The id is not a UUID.')
  @ApiProblemResponse(404, 'No such user.')
  @ApiProblemResponse(409, 'The change would leave no enabled Admin.')
  async disableUser(
    @Param('id', uuid) id: string,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.setDisabled(id, true, principal, origin), this.clock.now());
  }

  @Post(':id/enable')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ operationId: 'enableUser', summary: 'Enables a user (and clears a lockout).' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblemResponse(400, 'The id is not a UUID.')
  @ApiProblemResponse(404, 'No such user.')
  async enableUser(
    @Param('id', uuid) id: string,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.setDisabled(id, false, principal, origin), this.clock.now());
  }

  @Post(':id/password')
  @IdempotencyExempt('the body carries a password: a fingerprint of it must not be stored for 24 h')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'resetUserPassword',
    summary: "Sets a user's password; all of its sessions are revoked and a lockout is cleared.",
  })
  @ApiNoContentResponse({ description: 'Password reset.' })
  @ApiProblemResponse(400, 'Invalid id, or the password is refused (every reason listed).')
  @ApiProblemResponse(404, 'No such user.')
  async resetUserPassword(
    @Param('id', uuid) id: string,
    @Body() body: ResetPasswordDto,
    @CurrentUser() principal: UserPrincipal,
    @Origin() origin: RequestOrigin,
  ): Promise<void> {
    await this.users.resetPassword(id, body.newPassword, principal, origin);
  }
}
