import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Role } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { passwordProblems } from './password-policy';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * On an empty database: an `admin` user with HOTSWAP_ADMIN_PASSWORD, or a random password written
 * once to the log. With HOTSWAP_DEMO_USERS=true (never in production: the configuration refuses it)
 * also `deployer` and `viewer`, with random passwords written once to the log.
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(UsersService) private readonly usersService: UsersService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.db.transaction(async () => {
      // Replicas starting together on an empty database create the admin once.
      await this.users.lockBootstrap();
      if ((await this.users.count()) === 0) {
        const given = this.config.auth.adminPassword;
        const password = given ?? randomPassword();
        const problems = passwordProblems(password, 'HOTSWAP_ADMIN_PASSWORD', 'admin');
        if (problems.length > 0) {
          throw new Error(`HOTSWAP_ADMIN_PASSWORD is refused: ${problems.map((p) => p.message).join('; ')}`);
        }
        await this.usersService.create({ username: 'admin', password, roles: [Role.Admin] }, 'system');
        if (given === undefined) {
          this.logger.warn({
            msg: 'bootstrap admin created with a generated password; it is shown only this once, change it after logging in',
            username: 'admin',
            generatedPassword: password,
          });
        } else {
          this.logger.log({ msg: 'bootstrap admin created with HOTSWAP_ADMIN_PASSWORD', username: 'admin' });
        }
      }
      if (this.config.auth.demoUsers && !this.config.isProduction) {
        for (const [username, role] of [
          ['deployer', Role.Deployer],
          ['viewer', Role.Viewer],
        ] as const) {
          if ((await this.users.findByUsername(username)) !== null) continue;
          const password = randomPassword();
          await this.usersService.create({ username, password, roles: [role] }, 'system');
          this.logger.warn({
            msg: 'demo user created; its password is shown only this once',
            username,
            generatedPassword: password,
          });
        }
      }
    });
  }
}
