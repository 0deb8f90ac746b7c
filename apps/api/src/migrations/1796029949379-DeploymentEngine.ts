import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DeploymentEngine1796029949379 implements MigrationInterface {
  name = 'DeploymentEngine1796029949379';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "canary_measurements" ("id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "stage_id" uuid NOT NULL, "environment" character varying(64) NOT NULL, "wave" integer NOT NULL, "verdict" character varying(16) NOT NULL, "reason" text NOT NULL, "comparisons" jsonb NOT NULL, "canary_samples" integer NOT NULL, "baseline_samples" integer NOT NULL, "window_from" TIMESTAMP WITH TIME ZONE NOT NULL, "window_to" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bd8826c80893fd603ed130d74e3" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_canary_measurements_deployment" ON "canary_measurements"  ("deployment_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "deployments" ("id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "module_name" character varying(64) NOT NULL, "version" character varying(256) NOT NULL, "target_environment" character varying(64) NOT NULL, "strategy" character varying(16), "strategy_params" jsonb NOT NULL DEFAULT \'{}\', "promotion" character varying(16) NOT NULL, "description" character varying(1000), "metadata" jsonb NOT NULL DEFAULT \'{}\', "requested_by" character varying(200) NOT NULL, "status" character varying(16) NOT NULL, "status_reason" text, "current_stage" integer NOT NULL DEFAULT \'0\', "rollback_of" uuid, "retry_of" uuid, "trace_id" character varying(32) NOT NULL, "pause_requested" boolean NOT NULL DEFAULT false, "promote_requested" boolean NOT NULL DEFAULT false, "abort_requested" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1e5627acb3c950deb83fe98fc48" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_deployments_module_status" ON "deployments"  ("module_name", "status") ',
    );
    await queryRunner.query('CREATE INDEX "idx_deployments_created" ON "deployments"  ("created_at", "id") ');
    await queryRunner.query(
      'CREATE TABLE "deployment_stages" ("id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "position" integer NOT NULL, "name" character varying(100) NOT NULL, "kind" character varying(16) NOT NULL, "environment" character varying(64), "strategy" character varying(16), "params" jsonb NOT NULL DEFAULT \'{}\', "status" character varying(24) NOT NULL, "phase" character varying(16) NOT NULL DEFAULT \'start\', "message" text, "planned_nodes" jsonb NOT NULL DEFAULT \'[]\', "strategy_state" jsonb NOT NULL DEFAULT \'{}\', "updated_node_ids" jsonb NOT NULL DEFAULT \'[]\', "wait_until" TIMESTAMP WITH TIME ZONE, "nodes_total" integer NOT NULL DEFAULT \'0\', "nodes_updated" integer NOT NULL DEFAULT \'0\', "nodes_failed" integer NOT NULL DEFAULT \'0\', "wave" integer NOT NULL DEFAULT \'0\', "waves" integer NOT NULL DEFAULT \'0\', "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b97ffa7dfdb708e387741cab88a" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_deployment_stages_position" ON "deployment_stages"  ("deployment_id", "position") ',
    );
    await queryRunner.query(
      'CREATE TABLE "deployment_node_operations" ("id" uuid NOT NULL, "deployment_id" uuid NOT NULL, "stage_id" uuid NOT NULL, "environment" character varying(64) NOT NULL, "node_id" uuid NOT NULL, "node_name" character varying(253) NOT NULL, "kind" character varying(16) NOT NULL, "step" character varying(64) NOT NULL, "from_version" character varying(256), "to_version" character varying(256), "status" character varying(16) NOT NULL, "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b54abb6e0e1ccd31e26dfac2030" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_node_operations_deployment" ON "deployment_node_operations"  ("deployment_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_node_operations_key" ON "deployment_node_operations"  ("stage_id", "step", "kind", "node_id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "deployment_stages" ADD CONSTRAINT "FK_7a881f8531e9c65c6bd58a483b2" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "deployment_stages" DROP CONSTRAINT "FK_7a881f8531e9c65c6bd58a483b2"',
    );
    await queryRunner.query('DROP INDEX "public"."uq_node_operations_key"');
    await queryRunner.query('DROP INDEX "public"."idx_node_operations_deployment"');
    await queryRunner.query('DROP TABLE "deployment_node_operations"');
    await queryRunner.query('DROP INDEX "public"."uq_deployment_stages_position"');
    await queryRunner.query('DROP TABLE "deployment_stages"');
    await queryRunner.query('DROP INDEX "public"."idx_deployments_created"');
    await queryRunner.query('DROP INDEX "public"."idx_deployments_module_status"');
    await queryRunner.query('DROP TABLE "deployments"');
    await queryRunner.query('DROP INDEX "public"."idx_canary_measurements_deployment"');
    await queryRunner.query('DROP TABLE "canary_measurements"');
  }
}
