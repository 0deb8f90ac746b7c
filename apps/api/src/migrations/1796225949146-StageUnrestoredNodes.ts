import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StageUnrestoredNodes1796225949146 implements MigrationInterface {
  name = 'StageUnrestoredNodes1796225949146';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "deployment_stages" ADD "unrestored_node_ids" jsonb NOT NULL DEFAULT \'[]\'',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "deployment_stages" DROP COLUMN "unrestored_node_ids"');
  }
}
