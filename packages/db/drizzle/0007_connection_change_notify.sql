-- Workers keep each connection's runtime (its status, settings, HTTP clients) in memory and ask
-- the database whether it changed before every job. A change now announces itself instead: every
-- update or delete of a connection row sends its id on the channel `mlc_connections` (delivered
-- when the transaction commits), and a worker asks again only after such a notice.
CREATE FUNCTION connections_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('mlc_connections', OLD.id::text);
  ELSE
    PERFORM pg_notify('mlc_connections', NEW.id::text);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER connections_notify_change
  AFTER UPDATE OR DELETE ON connections
  FOR EACH ROW EXECUTE FUNCTION connections_notify_change();
