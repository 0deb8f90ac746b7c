import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ModuleRegistry1796026865022 implements MigrationInterface {
  name = 'ModuleRegistry1796026865022';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "events" ("seq" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "type" character varying(64) NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deployment_id" uuid, "environment" character varying(64), "node_id" uuid, "module_name" character varying(64), "payload" jsonb NOT NULL, "trace_id" character varying(32), CONSTRAINT "PK_44840d7c5944a3bfbf21a6113d8" PRIMARY KEY ("seq"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_events_deployment_seq" ON "events"  ("deployment_id", "seq") ',
    );
    await queryRunner.query('CREATE INDEX "idx_events_type_seq" ON "events"  ("type", "seq") ');
    await queryRunner.query(
      'CREATE TABLE "module_artifacts" ("sha256" character(64) NOT NULL, "content" bytea NOT NULL, "size" integer NOT NULL, CONSTRAINT "PK_8c8abc25f8f3868dd0848f8c912" PRIMARY KEY ("sha256"))',
    );
    await queryRunner.query(
      'CREATE TABLE "modules" ("name" character varying(64) NOT NULL, "description" character varying(1000), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8cd1abde4b70e59644c98668c06" PRIMARY KEY ("name"))',
    );
    await queryRunner.query(
      'CREATE TABLE "signing_keys" ("id" uuid NOT NULL, "name" character varying(100) NOT NULL, "algorithm" character varying(32) NOT NULL, "public_key" text NOT NULL, "fingerprint" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_fdb04fa31a5c68abd6754f153c2" UNIQUE ("name"), CONSTRAINT "UQ_4306131919a9a68a762789fd4d4" UNIQUE ("fingerprint"), CONSTRAINT "PK_ab7d78cf6e61dc3904133b4cd55" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "module_versions" ("id" uuid NOT NULL, "module_name" character varying(64) NOT NULL, "version" character varying(256) NOT NULL, "sha256" character(64) NOT NULL, "size" integer NOT NULL, "manifest" jsonb NOT NULL, "signature" text, "signing_key_id" uuid, "published_by" character varying(200) NOT NULL, "published_at" TIMESTAMP WITH TIME ZONE NOT NULL, "yanked" boolean NOT NULL DEFAULT false, "yank_reason" character varying(1000), CONSTRAINT "PK_ba5a134e701f9eb4dd741290e2e" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_module_versions_name_version" ON "module_versions"  ("module_name", "version") ',
    );
    await queryRunner.query(
      'ALTER TABLE "module_versions" ADD CONSTRAINT "FK_bef97a9d1451fe87859cd2bb2fa" FOREIGN KEY ("module_name") REFERENCES "modules"("name") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "module_versions" ADD CONSTRAINT "FK_92ac450df19c2ee4662d061af83" FOREIGN KEY ("sha256") REFERENCES "module_artifacts"("sha256") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "module_versions" ADD CONSTRAINT "FK_9960c69f71314c10777503b8d50" FOREIGN KEY ("signing_key_id") REFERENCES "signing_keys"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "module_versions" DROP CONSTRAINT "FK_9960c69f71314c10777503b8d50"');
    await queryRunner.query('ALTER TABLE "module_versions" DROP CONSTRAINT "FK_92ac450df19c2ee4662d061af83"');
    await queryRunner.query('ALTER TABLE "module_versions" DROP CONSTRAINT "FK_bef97a9d1451fe87859cd2bb2fa"');
    await queryRunner.query('DROP INDEX "public"."uq_module_versions_name_version"');
    await queryRunner.query('DROP TABLE "module_versions"');
    await queryRunner.query('DROP TABLE "signing_keys"');
    await queryRunner.query('DROP TABLE "modules"');
    await queryRunner.query('DROP TABLE "module_artifacts"');
    await queryRunner.query('DROP INDEX "public"."idx_events_type_seq"');
    await queryRunner.query('DROP INDEX "public"."idx_events_deployment_seq"');
    await queryRunner.query('DROP TABLE "events"');
  }
}
