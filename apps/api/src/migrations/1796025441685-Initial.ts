import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1796025441685 implements MigrationInterface {
  name = 'Initial1796025441685';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "installation" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_f0cd0b17a45357b5e1da1da1680" PRIMARY KEY ("id"))',
    );
    // The installation's identity: created once, with the schema, whichever replica migrates first.
    await queryRunner.query(
      'INSERT INTO "installation" ("id", "created_at") VALUES (gen_random_uuid(), now())',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "installation"');
  }
}
