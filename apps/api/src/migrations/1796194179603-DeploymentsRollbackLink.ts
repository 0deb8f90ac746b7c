import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeploymentsRollbackLink1796194179603 implements MigrationInterface {
  name = 'DeploymentsRollbackLink1796194179603';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "idx_deployments_rollback_of" ON "deployments"  ("rollback_of") WHERE "rollback_of" IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_deployments_rollback_of"');
  }
}
