import type { MigrationInterface, QueryRunner } from 'typeorm';

export class KnowledgeGraph1796031000000 implements MigrationInterface {
  name = 'KnowledgeGraph1796031000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "graph_entities" ("id" uuid NOT NULL, "type" character varying(100) NOT NULL, "properties" jsonb NOT NULL, "owner" character varying(16) NOT NULL DEFAULT \'user\', "natural_key" character varying(400), "version" integer NOT NULL DEFAULT \'1\', "created_by" character varying(200) NOT NULL, "updated_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_graph_entities" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_graph_entities_type" ON "graph_entities" ("type") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_graph_entities_natural_key" ON "graph_entities" ("natural_key") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_graph_entities_properties" ON "graph_entities" USING gin ("properties" jsonb_path_ops) WITH (fastupdate = off)',
    );
    await queryRunner.query(
      'CREATE TABLE "graph_relationships" ("id" uuid NOT NULL, "type" character varying(100) NOT NULL, "source_id" uuid NOT NULL, "target_id" uuid NOT NULL, "weight" double precision NOT NULL DEFAULT \'1\', "is_directed" boolean NOT NULL DEFAULT true, "properties" jsonb NOT NULL DEFAULT \'{}\', "owner" character varying(16) NOT NULL DEFAULT \'user\', "natural_key" character varying(400), "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_graph_relationships_weight" CHECK ("weight" >= 0), CONSTRAINT "PK_graph_relationships" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_graph_relationships_source_type" ON "graph_relationships" ("source_id", "type") ',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_graph_relationships_target_type" ON "graph_relationships" ("target_id", "type") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_graph_relationships_natural_key" ON "graph_relationships" ("natural_key") ',
    );
    await queryRunner.query(
      'CREATE TABLE "graph_schemas" ("version" character varying(32) NOT NULL, "major" integer NOT NULL, "minor" integer NOT NULL, "patch" integer NOT NULL, "definition" jsonb NOT NULL, "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_graph_schemas" PRIMARY KEY ("version"))',
    );
    await queryRunner.query(
      'CREATE TABLE "graph_state" ("id" integer NOT NULL, "generation" bigint NOT NULL DEFAULT \'0\', "topology_cursor" bigint NOT NULL DEFAULT \'0\', CONSTRAINT "PK_graph_state" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'INSERT INTO "graph_state" ("id", "generation", "topology_cursor") VALUES (1, 0, 0)',
    );
    await queryRunner.query(
      'ALTER TABLE "graph_relationships" ADD CONSTRAINT "FK_graph_relationships_source" FOREIGN KEY ("source_id") REFERENCES "graph_entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "graph_relationships" ADD CONSTRAINT "FK_graph_relationships_target" FOREIGN KEY ("target_id") REFERENCES "graph_entities"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "graph_relationships" DROP CONSTRAINT "FK_graph_relationships_target"',
    );
    await queryRunner.query(
      'ALTER TABLE "graph_relationships" DROP CONSTRAINT "FK_graph_relationships_source"',
    );
    await queryRunner.query('DROP TABLE "graph_state"');
    await queryRunner.query('DROP TABLE "graph_schemas"');
    await queryRunner.query('DROP TABLE "graph_relationships"');
    await queryRunner.query('DROP TABLE "graph_entities"');
  }
}
