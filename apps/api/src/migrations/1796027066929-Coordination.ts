import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Coordination1796027066929 implements MigrationInterface {
  name = 'Coordination1796027066929';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "idempotency_key" ("scope" character varying(300) NOT NULL, "key" character varying(255) NOT NULL, "request_hash" character(64) NOT NULL, "state" character varying(16) NOT NULL, "claim_id" uuid NOT NULL, "response_status" integer, "response_body" jsonb, "response_headers" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "locked_until" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_2738e797ef2c60d9a902bad976a" PRIMARY KEY ("scope", "key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_idempotency_key_expires_at" ON "idempotency_key"  ("expires_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "leader_lease" ("name" character varying(200) NOT NULL, "holder" character varying(200) NOT NULL, "epoch" bigint NOT NULL, "acquired_at" TIMESTAMP WITH TIME ZONE NOT NULL, "renewed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_c36f90c428fa735db5b91aab9c4" PRIMARY KEY ("name"))',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "leader_lease"');
    await queryRunner.query('DROP INDEX "public"."idx_idempotency_key_expires_at"');
    await queryRunner.query('DROP TABLE "idempotency_key"');
  }
}
