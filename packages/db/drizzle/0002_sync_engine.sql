ALTER TABLE "connections" ADD COLUMN "enabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "label" text;--> statement-breakpoint
ALTER TABLE "sync_records" ADD COLUMN "deal_key" text;--> statement-breakpoint
CREATE INDEX "sync_records_label_idx" ON "sync_records" USING btree ("connection_id","label");--> statement-breakpoint
CREATE INDEX "sync_records_deal_key_idx" ON "sync_records" USING btree ("connection_id","deal_key");