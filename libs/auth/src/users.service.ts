import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService, type RequestOrigin } from '@hotswap/audit';
import { AuthErrorCode, Clock, Role, type UserPrincipal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { DomainError, NotFoundError, RequestValidationError } from '@hotswap/http';
import { AuthStateCache } from './auth-state.cache';
import type { CreateUserDto, UpdateUserDto } from './dto/auth.dto';
import type { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { passwordProblems } from './password-policy';
import { auditActorOf } from './principal';
import { SessionsRepository } from './sessions.repository';
import { UsersRepository } from './users.repository';

export interface UserPage {
  readonly items: UserEntity[];
  readonly nextCursor: string | null;
}

function decodeUserCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('u:')) {
    throw new RequestValidationError([
      { field: 'cursor', message: 'cursor is not a cursor this API issued' },
    ]);
  }
  return text.slice(2);
}

function isEnabledAdmin(user: UserEntity): boolean {
  return !user.disabled && user.roles.includes(Role.Admin);
}

/** Users administration (Admin only). Every change is audited in its own transaction. */
@Injectable()
export class UsersService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Creates a user (also used by bootstrap, with the system as actor). */
  async create(
    input: CreateUserDto,
    actor: UserPrincipal | 'system',
    origin?: RequestOrigin,
  ): Promise<UserEntity> {
    const problems = passwordProblems(input.password, 'password', input.username);
    if (problems.length > 0) throw new RequestValidationError(problems);
    const passwordHash = await this.hasher.hash(input.password);
    return this.db.transaction(async () => {
      const now = this.clock.now();
      const user: UserEntity = {
        id: randomUUID(),
        username: input.username.toLowerCase(),
        email: input.email ?? null,
        fullName: input.fullName ?? null,
        passwordHash,
        roles: [...input.roles],
        disabled: false,
        tokenVersion: 0,
        failedLoginCount: 0,
        lockedUntil: null,
        lastLoginAt: null,
        createdAt: now,
        updatedAt: now,
      };
      if (!(await this.users.insertIfAbsent(user))) {
        throw new DomainError(AuthErrorCode.UsernameTaken, `The username '${user.username}' is taken.`, [
          { field: 'username', message: 'username is taken' },
        ]);
      }
      await this.audit.record({
        category: 'users',
        action: 'user.create',
        result: 'success',
        actor: actor === 'system' ? { id: null, kind: 'system', name: 'system' } : auditActorOf(actor),
        origin,
        resource: { type: 'user', id: user.id },
        details: { username: user.username, roles: user.roles },
      });
      return user;
    });
  }

  async list(limit: number, cursor?: string): Promise<UserPage> {
    const after = cursor === undefined ? undefined : decodeUserCursor(cursor);
    const rows = await this.users.list(limit + 1, after);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined
          ? Buffer.from(`u:${last.username}`).toString('base64url')
          : null,
    };
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (user === null) throw new NotFoundError('User', id);
    return user;
  }

  private async locked(id: string): Promise<UserEntity> {
    const user = await this.users.findByIdForUpdate(id);
    if (user === null) throw new NotFoundError('User', id);
    return user;
  }

  /** Refuses a change that would leave no enabled Admin. */
  private async keepAnAdmin(
    before: UserEntity,
    after: { disabled: boolean; roles: string[] },
  ): Promise<void> {
    const stillAdmin = !after.disabled && after.roles.includes(Role.Admin);
    if (isEnabledAdmin(before) && !stillAdmin && (await this.users.countEnabledAdmins()) <= 1) {
      throw new DomainError(AuthErrorCode.LastAdmin, 'This change would leave no enabled Admin.');
    }
  }

  async update(
    id: string,
    changes: UpdateUserDto,
    actor: UserPrincipal,
    origin: RequestOrigin,
  ): Promise<UserEntity> {
    const user = await this.db.transaction(async () => {
      const user = await this.locked(id);
      const changed: string[] = [];
      if (changes.roles !== undefined && [...changes.roles].sort().join() !== [...user.roles].sort().join()) {
        await this.keepAnAdmin(user, { disabled: user.disabled, roles: changes.roles });
        user.roles = [...changes.roles];
        // Access tokens carry roles: older ones stop working, the next refresh gets the new roles.
        user.tokenVersion += 1;
        changed.push('roles');
      }
      if (changes.email !== undefined && changes.email !== user.email) {
        user.email = changes.email;
        changed.push('email');
      }
      if (changes.fullName !== undefined && changes.fullName !== user.fullName) {
        user.fullName = changes.fullName;
        changed.push('fullName');
      }
      if (changed.length === 0) return user;
      user.updatedAt = this.clock.now();
      await this.users.save(user);
      await this.audit.record({
        category: 'users',
        action: 'user.update',
        result: 'success',
        actor: auditActorOf(actor),
        origin,
        resource: { type: 'user', id: user.id },
        details: { changed, roles: user.roles },
      });
      return user;
    });
    this.cache.clear();
    return user;
  }

  async setDisabled(
    id: string,
    disabled: boolean,
    actor: UserPrincipal,
    origin: RequestOrigin,
  ): Promise<UserEntity> {
    const user = await this.db.transaction(async () => {
      const user = await this.locked(id);
      if (user.disabled === disabled) return user;
      const now = this.clock.now();
      if (disabled) {
        await this.keepAnAdmin(user, { disabled: true, roles: user.roles });
        user.tokenVersion += 1;
        await this.sessions.revokeUserSessions(user.id, now, 'disabled');
      } else {
        user.failedLoginCount = 0;
        user.lockedUntil = null;
      }
      user.disabled = disabled;
      user.updatedAt = now;
      await this.users.save(user);
      await this.audit.record({
        category: 'users',
        action: disabled ? 'user.disable' : 'user.enable',
        result: 'success',
        actor: auditActorOf(actor),
        origin,
        resource: { type: 'user', id: user.id },
        details: { username: user.username },
      });
      return user;
    });
    // A disabled user's tokens stop working at once on this replica (others: within the cache period).
    this.cache.clear();
    return user;
  }

  async resetPassword(
    id: string,
    newPassword: string,
    actor: UserPrincipal,
    origin: RequestOrigin,
  ): Promise<void> {
    const target = await this.get(id);
    const problems = passwordProblems(newPassword, 'newPassword', target.username);
    if (problems.length > 0) throw new RequestValidationError(problems);
    const passwordHash = await this.hasher.hash(newPassword);
    await this.db.transaction(async () => {
      const user = await this.locked(id);
      const now = this.clock.now();
      user.passwordHash = passwordHash;
      user.tokenVersion += 1;
      user.failedLoginCount = 0;
      user.lockedUntil = null;
      user.updatedAt = now;
      await this.users.save(user);
      const revoked = await this.sessions.revokeUserSessions(user.id, now, 'password_reset');
      await this.audit.record({
        category: 'users',
        action: 'user.password_reset',
        result: 'success',
        actor: auditActorOf(actor),
        origin,
        resource: { type: 'user', id: user.id },
        details: { username: user.username, sessionsRevoked: revoked },
      });
    });
    this.cache.clear();
  }
}
