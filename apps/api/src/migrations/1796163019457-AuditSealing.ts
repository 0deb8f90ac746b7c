import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditSealing1796163019457 implements MigrationInterface {
  name = 'AuditSealing1796163019457';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "audit_records" ADD "content_hash" character(64)');
    await queryRunner.query('ALTER TABLE "audit_records" ADD "chain_position" bigint');
    await queryRunner.query('ALTER TABLE "audit_records" ALTER COLUMN "previous_hash" DROP NOT NULL');
    await queryRunner.query('ALTER TABLE "audit_records" ALTER COLUMN "hash" DROP NOT NULL');
    await queryRunner.query(
      'CREATE INDEX "idx_audit_records_unsealed" ON "audit_records"  ("seq") WHERE "chain_position" IS NULL',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_audit_records_chain_position" ON "audit_records"  ("chain_position") ',
    );
    // Not generatable from entities (DR-31): the one UPDATE allowed is sealing an unsealed record —
    // setting its chain position and hashes, content unchanged. Everything else is refused as before.
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
         IF OLD.chain_position IS NULL AND NEW.chain_position IS NOT NULL
            AND NEW.previous_hash IS NOT NULL AND NEW.hash IS NOT NULL
            AND (NEW.seq, NEW.occurred_at, NEW.category, NEW.action, NEW.result, NEW.actor_id, NEW.actor_kind, NEW.actor_name, NEW.resource_type, NEW.resource_id, NEW.ip, NEW.user_agent, NEW.trace_id, NEW.details, NEW.content_hash) IS NOT DISTINCT FROM (OLD.seq, OLD.occurred_at, OLD.category, OLD.action, OLD.result, OLD.actor_id, OLD.actor_kind, OLD.actor_name, OLD.resource_type, OLD.resource_id, OLD.ip, OLD.user_agent, OLD.trace_id, OLD.details, OLD.content_hash) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'audit_records is append-only';
       END $$`,
    );
    // Records written before sealing were chained at insert, in seq order: that is their position.
    await queryRunner.query('UPDATE "audit_records" SET "chain_position" = "seq"');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM "audit_records" WHERE "chain_position" IS NULL');
    await queryRunner.query(
      "CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_records is append-only'; END $$",
    );
    await queryRunner.query('DROP INDEX "public"."uq_audit_records_chain_position"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_unsealed"');
    await queryRunner.query('ALTER TABLE "audit_records" ALTER COLUMN "hash" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "audit_records" ALTER COLUMN "previous_hash" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "audit_records" DROP COLUMN "chain_position"');
    await queryRunner.query('ALTER TABLE "audit_records" DROP COLUMN "content_hash"');
  }
}
