ALTER TABLE "sync_records" ADD COLUMN "event_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Records that already have an audit trail continue from their last event.
UPDATE "sync_records" r SET "event_seq" = e.last_seq
  FROM (SELECT "record_id", max("seq") AS last_seq FROM "record_events" GROUP BY "record_id") e
  WHERE e."record_id" = r."id";--> statement-breakpoint
ALTER TABLE "sync_records" ADD CONSTRAINT "sync_records_event_seq_non_negative" CHECK ("sync_records"."event_seq" >= 0);
