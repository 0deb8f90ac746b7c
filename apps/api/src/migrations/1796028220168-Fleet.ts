import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Fleet1796028220168 implements MigrationInterface {
  name = 'Fleet1796028220168';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "environments" ("id" uuid NOT NULL, "name" character varying(64) NOT NULL, "name_key" character varying(64) NOT NULL, "rank" integer NOT NULL, "default_strategy" character varying(32) NOT NULL, "strategy_defaults" jsonb NOT NULL, "approval_policy" jsonb NOT NULL, "require_signed_modules" boolean NOT NULL, "max_concurrent_deployments" integer NOT NULL, "frozen" boolean NOT NULL DEFAULT false, "frozen_reason" character varying(1000), "frozen_by" character varying(200), "frozen_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ec32d12469ec3c2f2f20c4f5e71" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_environments_rank" ON "environments"  ("rank") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_environments_name_key" ON "environments"  ("name_key") ',
    );
    await queryRunner.query(
      'CREATE TABLE "enrollment_tokens" ("id" uuid NOT NULL, "environment_id" uuid NOT NULL, "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "uses_left" integer NOT NULL, "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d9b043a74d8643fde7e6b948591" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_enrollment_tokens_hash" ON "enrollment_tokens"  ("token_hash") ',
    );
    await queryRunner.query(
      'CREATE TABLE "node_metric_samples" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "node_id" uuid NOT NULL, "environment_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "cpu_percent" double precision NOT NULL, "memory_percent" double precision NOT NULL, "latency_p95_ms" double precision NOT NULL, "error_rate" double precision NOT NULL, "requests_per_second" double precision NOT NULL, CONSTRAINT "PK_7fbb18a0e5a37931f4feb7af25d" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_node_metric_samples_node_at" ON "node_metric_samples"  ("node_id", "at") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_node_metric_samples_environment_at" ON "node_metric_samples"  ("environment_id", "at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "nodes" ("id" uuid NOT NULL, "name" character varying(253) NOT NULL, "environment_id" uuid NOT NULL, "labels" jsonb NOT NULL, "kind" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "status_reason" character varying(500) NOT NULL, "status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_heartbeat_at" TIMESTAMP WITH TIME ZONE, "agent_version" character varying(64), "credential_hash" character(64), "cpu_percent" double precision, "memory_percent" double precision, "latency_p95_ms" double precision, "error_rate" double precision, "requests_per_second" double precision, "desired_generation" integer NOT NULL DEFAULT \'0\', "reported_generation" integer NOT NULL DEFAULT \'0\', "registered_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_682d6427523a0fa43d062ea03ee" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_nodes_credential_hash" ON "nodes"  ("credential_hash") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_nodes_environment_status" ON "nodes"  ("environment_id", "status") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_nodes_environment_name" ON "nodes"  ("environment_id", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "node_modules" ("node_id" uuid NOT NULL, "module_name" character varying(64) NOT NULL, "active_version" character varying(256), "standby_version" character varying(256), "previous_version" character varying(256), "state" character varying(16) NOT NULL, "last_error" character varying(1000), "desired_active_version" character varying(256), "desired_standby_version" character varying(256), "desired_generation" integer NOT NULL DEFAULT \'0\', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_885db52687c1a040d8cd482a885" PRIMARY KEY ("node_id", "module_name"))',
    );
    await queryRunner.query(
      'CREATE TABLE "simulation_faults" ("id" integer NOT NULL, "faults" jsonb NOT NULL, "revision" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_486ed71b2fa78a1b59c85e744ef" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "FK_e7e1f3247104f20bbe21e581843" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "nodes" ADD CONSTRAINT "FK_15fee5d6fccbacd2320b9533751" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "node_modules" ADD CONSTRAINT "FK_9ccd3721a3cd5230e3521d493f0" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "node_modules" DROP CONSTRAINT "FK_9ccd3721a3cd5230e3521d493f0"');
    await queryRunner.query('ALTER TABLE "nodes" DROP CONSTRAINT "FK_15fee5d6fccbacd2320b9533751"');
    await queryRunner.query(
      'ALTER TABLE "enrollment_tokens" DROP CONSTRAINT "FK_e7e1f3247104f20bbe21e581843"',
    );
    await queryRunner.query('DROP TABLE "simulation_faults"');
    await queryRunner.query('DROP TABLE "node_modules"');
    await queryRunner.query('DROP INDEX "public"."uq_nodes_environment_name"');
    await queryRunner.query('DROP INDEX "public"."idx_nodes_environment_status"');
    await queryRunner.query('DROP INDEX "public"."uq_nodes_credential_hash"');
    await queryRunner.query('DROP TABLE "nodes"');
    await queryRunner.query('DROP INDEX "public"."idx_node_metric_samples_environment_at"');
    await queryRunner.query('DROP INDEX "public"."idx_node_metric_samples_node_at"');
    await queryRunner.query('DROP TABLE "node_metric_samples"');
    await queryRunner.query('DROP INDEX "public"."uq_enrollment_tokens_hash"');
    await queryRunner.query('DROP TABLE "enrollment_tokens"');
    await queryRunner.query('DROP INDEX "public"."uq_environments_name_key"');
    await queryRunner.query('DROP INDEX "public"."uq_environments_rank"');
    await queryRunner.query('DROP TABLE "environments"');
  }
}
