-- The audit trail is append-only: a step, once recorded, is never changed or removed on its own.
-- Rows leave only with their record (ON DELETE CASCADE from sync_records), which Postgres runs from
-- inside its referential-integrity trigger, hence pg_trigger_depth() > 1 there.
CREATE FUNCTION record_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'record_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'add a new event instead of changing one';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER record_events_append_only
  BEFORE UPDATE OR DELETE ON record_events
  FOR EACH ROW EXECUTE FUNCTION record_events_append_only();
--> statement-breakpoint
CREATE TRIGGER record_events_no_truncate
  BEFORE TRUNCATE ON record_events
  FOR EACH STATEMENT EXECUTE FUNCTION record_events_append_only();
