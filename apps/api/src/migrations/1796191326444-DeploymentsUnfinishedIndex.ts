import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeploymentsUnfinishedIndex1796191326444 implements MigrationInterface {
  name = 'DeploymentsUnfinishedIndex1796191326444';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX "idx_deployments_unfinished" ON "deployments"  ("status") WHERE "status" IN (\'Queued\', \'PendingApproval\', \'Running\', \'Paused\')',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_deployments_unfinished"');
  }
}
