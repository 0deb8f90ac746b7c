import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityAndAudit1796026890508 implements MigrationInterface {
  name = 'IdentityAndAudit1796026890508';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "audit_records" ("seq" BIGSERIAL NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "category" character varying(64) NOT NULL, "action" character varying(128) NOT NULL, "result" character varying(16) NOT NULL, "actor_id" character varying(64), "actor_kind" character varying(16), "actor_name" character varying(256), "resource_type" character varying(64), "resource_id" character varying(256), "ip" character varying(64), "user_agent" character varying(512), "trace_id" character varying(32), "details" jsonb NOT NULL DEFAULT \'{}\', "previous_hash" character(64) NOT NULL, "hash" character(64) NOT NULL, CONSTRAINT "PK_849d46c77cbd8a25c1e3cb456ff" PRIMARY KEY ("seq"))',
    );
    await queryRunner.query('CREATE INDEX "idx_audit_records_trace_id" ON "audit_records"  ("trace_id") ');
    await queryRunner.query(
      'CREATE INDEX "idx_audit_records_resource" ON "audit_records"  ("resource_type", "resource_id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_audit_records_actor_name" ON "audit_records"  ("actor_name", "seq") ',
    );
    await queryRunner.query('CREATE INDEX "idx_audit_records_action" ON "audit_records"  ("action", "seq") ');
    await queryRunner.query(
      'CREATE INDEX "idx_audit_records_category" ON "audit_records"  ("category", "seq") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_audit_records_occurred_at" ON "audit_records"  ("occurred_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL, "username" character varying(64) NOT NULL, "email" character varying(254), "full_name" character varying(200), "password_hash" character varying(255) NOT NULL, "roles" text array NOT NULL, "disabled" boolean NOT NULL DEFAULT false, "token_version" integer NOT NULL DEFAULT \'0\', "failed_login_count" integer NOT NULL DEFAULT \'0\', "locked_until" TIMESTAMP WITH TIME ZONE, "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_username" ON "users"  ("username") ');
    await queryRunner.query(
      'CREATE TABLE "api_tokens" ("id" uuid NOT NULL, "owner_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "roles" text array NOT NULL, "token_hash" character(64) NOT NULL, "prefix" character varying(16) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_api_tokens_owner_id" ON "api_tokens"  ("owner_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_api_tokens_token_hash" ON "api_tokens"  ("token_hash") ',
    );
    await queryRunner.query(
      'CREATE TABLE "rate_limit_counters" ("key" character varying(200) NOT NULL, "hits" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_ad665f1998311a7bd0e8265365d" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_rate_limit_counters_expires_at" ON "rate_limit_counters"  ("expires_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "auth_sessions" ("id" uuid NOT NULL, "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" character varying(32), "ip" character varying(64), "user_agent" character varying(512), CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_auth_sessions_user_id" ON "auth_sessions"  ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "refresh_tokens" ("id" uuid NOT NULL, "session_id" uuid NOT NULL, "token_hash" character(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_7d8bee0204106019488c4c50ffa" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_refresh_tokens_session_id" ON "refresh_tokens"  ("session_id") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_refresh_tokens_token_hash" ON "refresh_tokens"  ("token_hash") ',
    );
    await queryRunner.query(
      'ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_54b406f537e7850ded555b9a5bd" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "auth_sessions" ADD CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_3bf308fa93da3966f9e76fcfba4" FOREIGN KEY ("session_id") REFERENCES "auth_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    // Not generatable from entities: audit records are append-only, so the database refuses UPDATE
    // (retention still deletes old rows).
    await queryRunner.query(
      "CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_records is append-only'; END $$",
    );
    await queryRunner.query(
      'CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON "audit_records" FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER audit_records_no_update ON "audit_records"');
    await queryRunner.query('DROP FUNCTION audit_records_append_only()');
    await queryRunner.query('ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_3bf308fa93da3966f9e76fcfba4"');
    await queryRunner.query('ALTER TABLE "auth_sessions" DROP CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6"');
    await queryRunner.query('ALTER TABLE "api_tokens" DROP CONSTRAINT "FK_54b406f537e7850ded555b9a5bd"');
    await queryRunner.query('DROP INDEX "public"."uq_refresh_tokens_token_hash"');
    await queryRunner.query('DROP INDEX "public"."idx_refresh_tokens_session_id"');
    await queryRunner.query('DROP TABLE "refresh_tokens"');
    await queryRunner.query('DROP INDEX "public"."idx_auth_sessions_user_id"');
    await queryRunner.query('DROP TABLE "auth_sessions"');
    await queryRunner.query('DROP INDEX "public"."idx_rate_limit_counters_expires_at"');
    await queryRunner.query('DROP TABLE "rate_limit_counters"');
    await queryRunner.query('DROP INDEX "public"."uq_api_tokens_token_hash"');
    await queryRunner.query('DROP INDEX "public"."idx_api_tokens_owner_id"');
    await queryRunner.query('DROP TABLE "api_tokens"');
    await queryRunner.query('DROP INDEX "public"."uq_users_username"');
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_occurred_at"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_category"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_action"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_actor_name"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_resource"');
    await queryRunner.query('DROP INDEX "public"."idx_audit_records_trace_id"');
    await queryRunner.query('DROP TABLE "audit_records"');
  }
}
