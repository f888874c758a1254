CREATE TYPE "public"."connection_status" AS ENUM('draft', 'active', 'paused', 'error');--> statement-breakpoint
CREATE TYPE "public"."secret_name" AS ENUM('sales_client_secret', 'fno_client_secret', 'webhook_secret', 'business_events_secret');--> statement-breakpoint
CREATE TYPE "public"."event_outcome" AS ENUM('ok', 'failed', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."inbox_source" AS ENUM('dataverse_webhook', 'fno_business_event');--> statement-breakpoint
CREATE TYPE "public"."inbox_status" AS ENUM('received', 'processed', 'failed', 'ignored');--> statement-breakpoint
CREATE TYPE "public"."key_kind" AS ENUM('customer', 'product', 'sales_order');--> statement-breakpoint
CREATE TYPE "public"."record_stage" AS ENUM('trigger', 'read', 'validate', 'map', 'write', 'after');--> statement-breakpoint
CREATE TYPE "public"."record_status" AS ENUM('pending', 'running', 'synced', 'failed', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."sync_direction" AS ENUM('sales_to_fno', 'fno_to_sales');--> statement-breakpoint
CREATE TYPE "public"."system_name" AS ENUM('sales', 'fno');--> statement-breakpoint
CREATE TYPE "public"."member_role" AS ENUM('owner', 'member');--> statement-breakpoint
CREATE TABLE "connection_secrets" (
	"connection_id" uuid NOT NULL,
	"name" "secret_name" NOT NULL,
	"key_id" text NOT NULL,
	"ciphertext" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connection_secrets_connection_id_name_pk" PRIMARY KEY("connection_id","name"),
	CONSTRAINT "connection_secrets_envelope_format" CHECK ("connection_secrets"."ciphertext" LIKE 'mlc1.%')
);
--> statement-breakpoint
CREATE TABLE "connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" "connection_status" DEFAULT 'draft' NOT NULL,
	"status_reason" text,
	"authority_host" text DEFAULT 'https://login.microsoftonline.com' NOT NULL,
	"entra_tenant_id" text NOT NULL,
	"sales_url" text NOT NULL,
	"sales_client_id" text NOT NULL,
	"fno_url" text NOT NULL,
	"fno_client_id" text NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connections_sales_url_https" CHECK ("connections"."sales_url" ~ '^https://[^/?#\s]+/?$'),
	CONSTRAINT "connections_fno_url_https" CHECK ("connections"."fno_url" ~ '^https://[^/?#\s]+/?$'),
	CONSTRAINT "connections_authority_https" CHECK ("connections"."authority_host" ~ '^https://[^/?#\s]+/?$'),
	CONSTRAINT "connections_name_not_blank" CHECK (length(btrim("connections"."name")) > 0),
	CONSTRAINT "connections_settings_object" CHECK (jsonb_typeof("connections"."settings") = 'object'),
	CONSTRAINT "connections_error_has_reason" CHECK ("connections"."status" <> 'error' OR "connections"."status_reason" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "inbox_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"source" "inbox_source" NOT NULL,
	"dedup_key" text NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"body" text NOT NULL,
	"status" "inbox_status" DEFAULT 'received' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "inbox_events_dedup_key_not_blank" CHECK (length(btrim("inbox_events"."dedup_key")) > 0),
	CONSTRAINT "inbox_events_attempts_non_negative" CHECK ("inbox_events"."attempts" >= 0),
	CONSTRAINT "inbox_events_failed_has_error" CHECK ("inbox_events"."status" <> 'failed' OR "inbox_events"."error" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "key_map" (
	"connection_id" uuid NOT NULL,
	"kind" "key_kind" NOT NULL,
	"crm_entity" text NOT NULL,
	"crm_id" uuid NOT NULL,
	"data_area_id" text NOT NULL,
	"fno_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "key_map_connection_id_kind_crm_id_data_area_id_pk" PRIMARY KEY("connection_id","kind","crm_id","data_area_id"),
	CONSTRAINT "key_map_data_area_id_format" CHECK ("key_map"."data_area_id" ~ '^[a-z0-9]{1,4}$'),
	CONSTRAINT "key_map_fno_key_not_blank" CHECK (length(btrim("key_map"."fno_key")) > 0),
	CONSTRAINT "key_map_crm_entity_format" CHECK ("key_map"."crm_entity" ~ '^[a-z_][a-z0-9_]*$')
);
--> statement-breakpoint
CREATE TABLE "record_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "record_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"record_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"stage" "record_stage" NOT NULL,
	"step" text NOT NULL,
	"outcome" "event_outcome" NOT NULL,
	"correlation_id" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" jsonb,
	"started_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "record_events_seq_positive" CHECK ("record_events"."seq" > 0),
	CONSTRAINT "record_events_duration_non_negative" CHECK ("record_events"."duration_ms" >= 0),
	CONSTRAINT "record_events_step_not_blank" CHECK (length(btrim("record_events"."step")) > 0),
	CONSTRAINT "record_events_failed_has_error" CHECK ("record_events"."outcome" <> 'failed' OR "record_events"."error" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"connection_id" uuid NOT NULL,
	"system" "system_name" NOT NULL,
	"stream" text NOT NULL,
	"cursor" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_cursors_connection_id_system_stream_pk" PRIMARY KEY("connection_id","system","stream"),
	CONSTRAINT "sync_cursors_stream_not_blank" CHECK (length("sync_cursors"."stream") > 0)
);
--> statement-breakpoint
CREATE TABLE "sync_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"direction" "sync_direction" NOT NULL,
	"entity" text NOT NULL,
	"natural_key" text NOT NULL,
	"source_id" text,
	"target_data_area_id" text,
	"target_key" text,
	"status" "record_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"content_hash" text,
	"last_error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"synced_at" timestamp with time zone,
	CONSTRAINT "sync_records_entity_not_blank" CHECK (length(btrim("sync_records"."entity")) > 0),
	CONSTRAINT "sync_records_natural_key_not_blank" CHECK (length(btrim("sync_records"."natural_key")) > 0),
	CONSTRAINT "sync_records_attempts_non_negative" CHECK ("sync_records"."attempts" >= 0),
	CONSTRAINT "sync_records_data_area_id_format" CHECK ("sync_records"."target_data_area_id" IS NULL OR "sync_records"."target_data_area_id" ~ '^[a-z0-9]{1,4}$'),
	CONSTRAINT "sync_records_failed_has_error" CHECK ("sync_records"."status" <> 'failed' OR "sync_records"."last_error" IS NOT NULL),
	CONSTRAINT "sync_records_synced_has_target" CHECK ("sync_records"."status" <> 'synced' OR "sync_records"."target_key" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"email_verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_format" CHECK ("users"."email" ~ '^[^@\s]+@[^@\s]+$')
);
--> statement-breakpoint
CREATE TABLE "workspace_members" (
	"workspace_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "member_role" DEFAULT 'member' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_members_workspace_id_user_id_pk" PRIMARY KEY("workspace_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspaces_slug_format" CHECK ("workspaces"."slug" ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
	CONSTRAINT "workspaces_name_not_blank" CHECK (length(btrim("workspaces"."name")) > 0)
);
--> statement-breakpoint
ALTER TABLE "connection_secrets" ADD CONSTRAINT "connection_secrets_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connections" ADD CONSTRAINT "connections_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbox_events" ADD CONSTRAINT "inbox_events_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "key_map" ADD CONSTRAINT "key_map_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "record_events" ADD CONSTRAINT "record_events_record_id_sync_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."sync_records"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD CONSTRAINT "sync_cursors_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_records" ADD CONSTRAINT "sync_records_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD CONSTRAINT "workspace_members_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD CONSTRAINT "workspace_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connection_secrets_key_id_idx" ON "connection_secrets" USING btree ("key_id");--> statement-breakpoint
CREATE UNIQUE INDEX "connections_workspace_name_key" ON "connections" USING btree ("workspace_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "connections_workspace_sales_url_key" ON "connections" USING btree ("workspace_id",lower("sales_url"));--> statement-breakpoint
CREATE UNIQUE INDEX "connections_workspace_fno_url_key" ON "connections" USING btree ("workspace_id",lower("fno_url"));--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_events_dedup_key" ON "inbox_events" USING btree ("connection_id","source","dedup_key");--> statement-breakpoint
CREATE INDEX "inbox_events_pending_idx" ON "inbox_events" USING btree ("status","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "key_map_fno_key" ON "key_map" USING btree ("connection_id","kind","data_area_id","fno_key");--> statement-breakpoint
CREATE UNIQUE INDEX "record_events_record_seq_key" ON "record_events" USING btree ("record_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_records_natural_key" ON "sync_records" USING btree ("connection_id","direction","entity","natural_key");--> statement-breakpoint
CREATE INDEX "sync_records_status_idx" ON "sync_records" USING btree ("connection_id","status","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "workspace_members_user_idx" ON "workspace_members" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workspaces_slug_key" ON "workspaces" USING btree ("slug");