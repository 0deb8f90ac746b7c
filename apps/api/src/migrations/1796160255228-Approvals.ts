import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Approvals1796160255228 implements MigrationInterface {
  name = 'Approvals1796160255228';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "approval_decisions" ("id" uuid NOT NULL, "request_id" uuid NOT NULL, "decided_by" character varying(200) NOT NULL, "decision" character varying(16) NOT NULL, "reason" text, "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_1ab59e2a6ef9cbc15372cf232e4" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_approval_decisions_user" ON "approval_decisions"  ("request_id", "decided_by") ',
    );
    await queryRunner.query(
      'CREATE TABLE "approval_requests" ("id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "environment" character varying(64) NOT NULL, "module_name" character varying(64) NOT NULL, "version" character varying(256) NOT NULL, "requested_by" character varying(200) NOT NULL, "status" character varying(16) NOT NULL, "quorum" integer NOT NULL, "approver_roles" jsonb NOT NULL, "requester_may_approve" boolean NOT NULL, "timeout_seconds" integer NOT NULL, "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "closed_at" TIMESTAMP WITH TIME ZONE, "closed_by" character varying(200), "close_reason" text, CONSTRAINT "PK_484806bb8ff331b851fc75973c0" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_approval_requests_requested" ON "approval_requests"  ("requested_at", "id") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_approval_requests_status_expiry" ON "approval_requests"  ("status", "expires_at") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_approval_requests_gate" ON "approval_requests"  ("deployment_id", "environment") ',
    );
    await queryRunner.query(
      'CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL, "webhook_id" uuid NOT NULL, "environment" character varying(64) NOT NULL, "event_id" uuid NOT NULL, "event_type" character varying(64) NOT NULL, "attempt" integer NOT NULL, "status_code" integer, "error" text, "at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_webhook_deliveries_event" ON "webhook_deliveries"  ("event_id", "attempt") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_webhook_deliveries_webhook" ON "webhook_deliveries"  ("webhook_id", "at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "environment_webhooks" ("id" uuid NOT NULL, "environment" character varying(64) NOT NULL, "url" character varying(2048) NOT NULL, "secret" character varying(256) NOT NULL, "events" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_2ff0d01f9576f8340c50f3bebcd" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_environment_webhooks_environment" ON "environment_webhooks"  ("environment") ',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_environment_webhooks_environment"');
    await queryRunner.query('DROP TABLE "environment_webhooks"');
    await queryRunner.query('DROP INDEX "public"."idx_webhook_deliveries_webhook"');
    await queryRunner.query('DROP INDEX "public"."idx_webhook_deliveries_event"');
    await queryRunner.query('DROP TABLE "webhook_deliveries"');
    await queryRunner.query('DROP INDEX "public"."uq_approval_requests_gate"');
    await queryRunner.query('DROP INDEX "public"."idx_approval_requests_status_expiry"');
    await queryRunner.query('DROP INDEX "public"."idx_approval_requests_requested"');
    await queryRunner.query('DROP TABLE "approval_requests"');
    await queryRunner.query('DROP INDEX "public"."uq_approval_decisions_user"');
    await queryRunner.query('DROP TABLE "approval_decisions"');
  }
}
