import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeploymentsCreatedMilliseconds1796193932343 implements MigrationInterface {
  name = 'DeploymentsCreatedMilliseconds1796193932343';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_deployments_created"');
    await queryRunner.query(
      'ALTER TABLE "deployments" ALTER COLUMN "created_at" TYPE TIMESTAMP(3) WITH TIME ZONE',
    );
    await queryRunner.query('CREATE INDEX "idx_deployments_created" ON "deployments"  ("created_at", "id") ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_deployments_created"');
    await queryRunner.query(
      'ALTER TABLE "deployments" ALTER COLUMN "created_at" TYPE TIMESTAMP(6) WITH TIME ZONE',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_deployments_created" ON "deployments" USING btree ("created_at", "id") ',
    );
  }
}
