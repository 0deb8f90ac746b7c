import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PreviousSlotRetention1796225121231 implements MigrationInterface {
  name = 'PreviousSlotRetention1796225121231';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "node_modules" ADD "previous_loaded" boolean NOT NULL DEFAULT false',
    );
    await queryRunner.query(
      'ALTER TABLE "node_modules" ADD "previous_retained_until" TIMESTAMP WITH TIME ZONE',
    );
    await queryRunner.query(
      'ALTER TABLE "node_modules" ADD "desired_previous_version" character varying(256)',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_node_modules_previous_retained_until" ON "node_modules"  ("previous_retained_until") WHERE "previous_retained_until" IS NOT NULL',
    );
    // Previous versions kept so far were kept with no end: their retention ends now, so the first
    // sweep after the upgrade unloads them (their versions stay remembered for a rollback).
    await queryRunner.query(
      'UPDATE "node_modules" SET "previous_loaded" = true, "previous_retained_until" = now() WHERE "previous_version" IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_node_modules_previous_retained_until"');
    await queryRunner.query('ALTER TABLE "node_modules" DROP COLUMN "desired_previous_version"');
    await queryRunner.query('ALTER TABLE "node_modules" DROP COLUMN "previous_retained_until"');
    await queryRunner.query('ALTER TABLE "node_modules" DROP COLUMN "previous_loaded"');
  }
}
