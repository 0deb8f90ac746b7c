import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event relay (docs/architecture.md DR-29): `seq` becomes `(top-level xid << 20) + n` (set by a
 * trigger, so seq order is transaction order and "xid older than every running transaction" is a
 * seq bound), one coalesced NOTIFY per committing transaction, the retention watermark, and tickets
 * for EventSource clients.
 */
export class EventRelay1796031200000 implements MigrationInterface {
  name = 'EventRelay1796031200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "events" ALTER COLUMN "seq" DROP IDENTITY');
    await queryRunner.query(`CREATE FUNCTION hotswap_event_seq() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  n := coalesce(nullif(current_setting('hotswap.event_n', true), ''), '0')::integer + 1;
  IF n >= 1048576 THEN
    RAISE EXCEPTION 'a transaction may append at most 1048575 events';
  END IF;
  PERFORM set_config('hotswap.event_n', n::text, true);
  NEW.seq := (pg_current_xact_id()::text::bigint << 20) + n;
  RETURN NEW;
END $$`);
    await queryRunner.query(
      'CREATE TRIGGER "events_seq" BEFORE INSERT ON "events" FOR EACH ROW EXECUTE FUNCTION hotswap_event_seq()',
    );
    // Deferred to commit; the first row's firing notifies (if no other transaction is notifying at
    // that moment), every later firing of the same transaction returns at once.
    await queryRunner.query(`CREATE FUNCTION hotswap_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('hotswap.event_notified', true) = 't' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('hotswap.event_notified', 't', true);
  IF pg_try_advisory_xact_lock(7261947301946622002) THEN
    PERFORM pg_notify('hotswap_events',
      ((pg_current_xact_id()::text::bigint << 20) + current_setting('hotswap.event_n')::integer)::text);
  END IF;
  RETURN NULL;
END $$`);
    await queryRunner.query(
      'CREATE CONSTRAINT TRIGGER "events_notify" AFTER INSERT ON "events" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hotswap_event_notify()',
    );
    await queryRunner.query('CREATE INDEX "idx_events_at" ON "events"  ("at") ');
    await queryRunner.query(
      'CREATE TABLE "event_log_state" ("id" integer NOT NULL, "pruned_through" bigint NOT NULL DEFAULT \'0\', "pruned_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_event_log_state" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('INSERT INTO "event_log_state" ("id", "pruned_through") VALUES (1, 0)');
    await queryRunner.query(
      'CREATE TABLE "event_stream_tickets" ("hash" character varying(64) NOT NULL, "principal" jsonb NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_event_stream_tickets" PRIMARY KEY ("hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_event_stream_tickets_expires" ON "event_stream_tickets"  ("expires_at") ',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."idx_event_stream_tickets_expires"');
    await queryRunner.query('DROP TABLE "event_stream_tickets"');
    await queryRunner.query('DROP TABLE "event_log_state"');
    await queryRunner.query('DROP INDEX "public"."idx_events_at"');
    await queryRunner.query('DROP TRIGGER "events_notify" ON "events"');
    await queryRunner.query('DROP FUNCTION hotswap_event_notify()');
    await queryRunner.query('DROP TRIGGER "events_seq" ON "events"');
    await queryRunner.query('DROP FUNCTION hotswap_event_seq()');
    await queryRunner.query(
      'ALTER TABLE "events" ALTER COLUMN "seq" ADD GENERATED ALWAYS AS IDENTITY (START WITH 1099511627776)',
    );
  }
}
